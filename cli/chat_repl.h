// The interactive chat of `run` (stdin is a terminal and no --prompt): a "> " prompt on stderr,
// multi-turn history, slash commands, Ctrl-C/Ctrl-D handling.
//
//   /help          list the commands
//   /clear         forget the conversation (the system message stays)
//   /regen         drop the last answer and generate it again (with the next seed)
//   /system TEXT   set or replace the system message; the conversation is kept (its KV cache is
//                  rebuilt on the next turn). "/system" alone removes the system message.
//   /exit, /bye, /quit   leave (exit code 0); so does Ctrl-D on an empty line
//   """            begins a multi-line message, ended by a line ending in """
//
// Input comes through LineEditor (libedit: editing, history, bracketed paste: a multi-line paste
// is one message); without it (libedit cannot start), plain lines. Without the chat template
// (raw completion), /system is refused and /regen is not available.
//
// Ctrl-C while an answer is being generated stops that answer (the partial answer stays in the
// history) and returns to the prompt. Ctrl-C at the prompt discards the typed line and shows a
// new prompt; a second Ctrl-C right after it (nothing entered in between) leaves (exit code 0).
#ifndef LITERTLM_CLI_CHAT_REPL_H_
#define LITERTLM_CLI_CHAT_REPL_H_

#include "chat_turn.h"

namespace litertlm::cli {

// Runs the chat until /exit, Ctrl-D or a double Ctrl-C; returns the process exit code. Must be
// called with an InterruptGuard alive and a runner whose config has cancellable = true.
int RunChatRepl(TurnRunner& runner, bool color_stderr);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_CHAT_REPL_H_
