// One generation request on its way through the server: what to generate, the text produced so
// far (handed from the worker that runs it to the HTTP thread that sends it), the result, and
// cancellation (the client went away, or the request ran past its deadline).
#ifndef LITERTLM_CLI_SERVE_JOB_H_
#define LITERTLM_CLI_SERVE_JOB_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/chat.h"
#include "litertlm/session.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm::cli::serve {

struct JobSpec {
  bool chat = true;
  std::vector<Message> messages;       // chat: the whole conversation
  std::string prompt;                  // completion: the raw text
  std::vector<TokenId> prompt_tokens;  // the rendered prompt's tokens (to pick a session)
  GenerateOptions options;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class Job {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Job(JobSpec spec) : spec_(std::move(spec)) {}
  const JobSpec& spec() const { return spec_; }

  // ---- the HTTP side ----
  // Waits up to `timeout` for new text or the end; appends the new text to *text. True once the
  // job has finished (result() is then valid and no more text comes).
  bool Wait(std::string* text, std::chrono::milliseconds timeout);
  const StatusOr<GenerateResult>& result() const { return *result_; }
  // Stops the job: a queued job is dropped, a running one ends within one token.
  void Cancel();
  bool timed_out() const { return timed_out_.load(); }

  // ---- the worker side ----
  // Adds streamed text; false when the job is cancelled or past its deadline (stop generating).
  bool Push(std::string_view text);
  bool cancelled() const { return cancelled_.load(); }
  // The session running the job (so that Cancel can interrupt a prefill); nullptr to detach.
  void Attach(Session* session);
  void Finish(StatusOr<GenerateResult> result);

 private:
  const JobSpec spec_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  std::optional<StatusOr<GenerateResult>> result_;
  Session* session_ = nullptr;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> timed_out_{false};
};

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_JOB_H_
