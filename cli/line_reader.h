// Reading the user's turns for `run`: lines from a pipe (or from a terminal when libedit cannot
// start; the interactive chat normally reads through LineEditor, line_editor.h), and Ctrl-C
// handling that must not kill the program.
//
// SIGINT is caught by InterruptGuard: while an answer is being generated it cancels that answer
// (via the registered Session), otherwise it interrupts the pending read so the caller can redraw
// the prompt.
//
// Thread-safety: one reader per process, used from the main thread; the signal handler only
// touches atomics and Session::Cancel() (which stores an atomic).
#ifndef LITERTLM_CLI_LINE_READER_H_
#define LITERTLM_CLI_LINE_READER_H_

#include <string>

#include "litertlm/session.h"

namespace litertlm::cli {

// Installs a SIGINT handler (without SA_RESTART, so a blocked read returns) for its lifetime and
// restores the previous one on destruction.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The session a Ctrl-C should cancel (nullptr: none, Ctrl-C interrupts the prompt instead).
  static void SetActiveSession(Session* session);
  // True (once) when a Ctrl-C arrived since the last call.
  static bool TakeInterrupt();
};

enum class ReadStatus { kLine, kEndOfInput, kInterrupted };

// Reads one line (without its '\n') from stdin. kEndOfInput at end of file (Ctrl-D on an empty
// terminal line); kInterrupted when a Ctrl-C arrived while waiting (terminal mode only — without an
// InterruptGuard SIGINT keeps its default action). A final line without '\n' is still returned.
ReadStatus ReadLine(std::string* line);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_LINE_READER_H_
