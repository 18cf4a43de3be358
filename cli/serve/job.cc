#include "serve/job.h"

namespace litertlm::cli::serve {

bool Job::Wait(std::string* text, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !pending_.empty() || result_.has_value(); });
  text->append(pending_);
  pending_.clear();
  return result_.has_value();
}

void Job::Cancel() {
  cancelled_.store(true);
  std::lock_guard<std::mutex> lock(mu_);
  if (session_ != nullptr) session_->Cancel();
}

bool Job::Push(std::string_view text) {
  if (cancelled_.load()) return false;
  if (Clock::now() > spec_.deadline) {
    timed_out_.store(true);
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.append(text);
  }
  cv_.notify_all();
  return true;
}

void Job::Attach(Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  session_ = session;
}

void Job::Finish(StatusOr<GenerateResult> result) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    session_ = nullptr;
    result_.emplace(std::move(result));
  }
  cv_.notify_all();
}

}  // namespace litertlm::cli::serve
