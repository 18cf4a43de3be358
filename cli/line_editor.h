// The interactive chat's input on a terminal: line editing and history (libedit, BSD-licensed;
// only the CLI links it), bracketed paste, and the terminal state while an answer is generated.
//
// - Editing: libedit's emacs bindings (arrows, Home/End, Ctrl-A/E/K/U/W, Up/Down through this
//   session's entered lines). No line-length limit (the kernel's canonical mode cuts at 4,095).
// - Bracketed paste: the terminal is asked (ESC [?2004h) to mark pastes; a paste is inserted into
//   the line as text, newlines included, so a multi-line paste is one turn sent by Enter.
// - Ctrl-C at the prompt (SIGINT through InterruptGuard) discards the line: kInterrupted.
//   Ctrl-D on an empty line: kEndOfInput.
//
// AnswerInputHold: while an answer is generated, the terminal neither echoes nor line-buffers
// keystrokes (ISIG stays on, so Ctrl-C still stops the answer); what was typed meanwhile is
// discarded when the answer ends, and the caller is told how much so it can say so.
//
// TerminalRestorer: saves the terminal's settings and restores them (and turns bracketed paste
// off) when destroyed, and on SIGTERM, SIGHUP or SIGQUIT before the signal's default action.
//
// Thread-safety: one editor per process, used from the main thread.
#ifndef LITERTLM_CLI_LINE_EDITOR_H_
#define LITERTLM_CLI_LINE_EDITOR_H_

#include <cstddef>
#include <memory>
#include <string>

#include "line_reader.h"

namespace litertlm::cli {

class TerminalRestorer {
 public:
  TerminalRestorer();  // saves stdin's terminal settings
  ~TerminalRestorer();
  TerminalRestorer(const TerminalRestorer&) = delete;
  TerminalRestorer& operator=(const TerminalRestorer&) = delete;
};

class LineEditor {
 public:
  // nullptr when stdin/stderr are not a terminal or libedit cannot start.
  static std::unique_ptr<LineEditor> Open();
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Shows `prompt` on stderr (SGR sequences allowed) and reads one line (without its newline; a
  // pasted line may hold newlines).
  ReadStatus Read(const std::string& prompt, std::string* line);
  // Adds a line to the history (Up/Down).
  void AddHistory(const std::string& line);

  struct State;

 private:
  explicit LineEditor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class AnswerInputHold {
 public:
  AnswerInputHold();  // no echo, no line buffering on stdin (when it is a terminal)
  ~AnswerInputHold();  // restores the settings (without discarding)
  AnswerInputHold(const AnswerInputHold&) = delete;
  AnswerInputHold& operator=(const AnswerInputHold&) = delete;

  // Discards what was typed since construction; returns the number of bytes discarded.
  size_t DiscardTypeAhead();

 private:
  bool active_ = false;
};

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_LINE_EDITOR_H_
