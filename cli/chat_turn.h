// One answer of `run`: sends a user turn (or raw text) to a Session and prints the reply — streamed
// to stdout, or as one JSON line with --json — plus the --stats block on stderr.
//
// Seeds: the sampler seed of the n-th generation of a run is seed + n (n = 0, 1, ...), so a run is
// reproducible from its inputs while /regen draws a different answer.
//
// Context overflow (SessionOptions::context_overflow = kDropOldest): when a call dropped old turns
// or tokens to make room, a line on stderr says so.
//
// Thread-safety: used by one thread; Ctrl-C reaches the session through InterruptGuard.
#ifndef LITERTLM_CLI_CHAT_TURN_H_
#define LITERTLM_CLI_CHAT_TURN_H_

#include <functional>
#include <string>

#include "litertlm/session.h"
#include "litertlm/status.h"

namespace litertlm::cli {

struct TurnConfig {
  GenerateOptions options;       // sampler must be set (model defaults with the flags applied)
  bool json = false;             // one JSON object per answer instead of streamed text
  bool stats = false;            // --stats block on stderr after each answer
  bool raw_completion = false;   // --no-chat-template: Session::Complete on the text
  bool cancellable = false;      // register the session with InterruptGuard while generating
  bool hold_input = false;       // terminal: no echo while generating, type-ahead discarded (said)
  bool color_stderr = false;
  double load_seconds = 0;
};

class TurnRunner {
 public:
  // `session` is not owned and must outlive the runner.
  TurnRunner(Session* session, TurnConfig config);

  // Adds `text` as a user message and generates the reply (or, raw, continues the text). A reply
  // cancelled before its first token leaves no trace in the history (the user turn is removed).
  // `typed_line`: the text is a line the user ended with Enter; raw, the newline is kept, and a
  // newline separates it from an answer that did not end with one.
  StatusOr<GenerateResult> Ask(const std::string& text, bool typed_line = false);
  // Drops the last reply and generates a new one. FAILED_PRECONDITION when there is none.
  StatusOr<GenerateResult> Regenerate();

  Session& session() { return *session_; }
  bool raw_completion() const { return config_.raw_completion; }

 private:
  using GenerateFn = std::function<StatusOr<GenerateResult>(const GenerateOptions&, const StreamCallback&)>;
  StatusOr<GenerateResult> RunAndPrint(const GenerateFn& generate);
  void DropTrailingUserTurn();

  Session* session_;
  TurnConfig config_;
  uint64_t generations_ = 0;
  bool raw_ends_with_newline_ = true;  // raw: the context ends with a newline (or is empty)
};

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_CHAT_TURN_H_
