#include "serve/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace litertlm::cli::serve {
namespace {

const char* Kind(const Job& job) { return job.spec().chat ? "chat" : "completion"; }

// One line per finished request, whichever way it ended.
void LogUnfinished(const Job& job, const Status& status) {
  std::fprintf(stderr, "serve: %s done (%s): %s\n", Kind(job),
               status.code() == StatusCode::kCancelled ? "cancelled" : "error",
               std::string(status.message()).c_str());
}

}  // namespace

Scheduler::Scheduler(std::shared_ptr<const Engine> engine, const SchedulerOptions& options)
    : options_(options),
      pool_(std::move(engine), options.session,
            std::max(options.parallel, options.cache_sessions > 0 ? options.cache_sessions
                                                                  : 2 * options.parallel)) {
  for (int i = 0; i < std::max(1, options_.parallel); ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Scheduler::~Scheduler() {
  Shutdown();
  for (std::thread& t : workers_) t.join();
}

void Scheduler::Shutdown() {
  std::deque<std::shared_ptr<Job>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
    for (auto& job : running_) job->Cancel();
  }
  cv_.notify_all();
  for (auto& job : dropped) {
    LogUnfinished(*job, CancelledError("the server shut down before it started"));
    job->Finish(UnavailableError("the server is shutting down"));
  }
}

bool Scheduler::Submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || static_cast<int>(queue_.size()) >= options_.queue_size) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

Scheduler::Load Scheduler::load() const {
  Load load;
  {
    std::lock_guard<std::mutex> lock(mu_);
    load.running = static_cast<int>(running_.size());
    load.queued = static_cast<int>(queue_.size());
  }
  load.sessions = pool_.size();
  if (const auto& batcher = options_.session.decode_batcher) {
    load.decode_steps = batcher->steps();
    load.decoded_tokens = batcher->tokens();
  }
  return load;
}

void Scheduler::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_.push_back(job);
    }
    Run(*job);
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(std::find(running_.begin(), running_.end(), job));
  }
}

void Scheduler::Run(Job& job) {
  if (job.cancelled()) {
    Status status = CancelledError("the client went away before it started");
    LogUnfinished(job, status);
    return job.Finish(std::move(status));
  }
  auto session = pool_.Acquire(job.spec().prompt_tokens);
  if (!session.ok()) {
    LogUnfinished(job, session.status());
    return job.Finish(session.status());
  }
  Session& s = **session;
  job.Attach(&s);
  const auto on_text = [&job](std::string_view text) { return job.Push(text); };
  StatusOr<GenerateResult> result = [&]() -> StatusOr<GenerateResult> {
    if (job.spec().chat) {
      s.SetHistory(job.spec().messages);
      return s.Generate(job.spec().options, on_text);
    }
    s.Reset();
    return s.Complete(job.spec().prompt, job.spec().options, on_text);
  }();
  job.Attach(nullptr);
  pool_.Release(&s);
  if (result.ok()) {
    const GenerationStats& st = result->stats;
    std::fprintf(stderr,
                 "serve: %s done (%s): %d prompt tokens (%d reused), %d generated, first token "
                 "after %.3f s, %.1f tokens/s\n",
                 Kind(job),
                 std::string(FinishReasonName(result->finish_reason)).c_str(), st.prompt_tokens,
                 st.reused_tokens, st.generated_tokens, st.time_to_first_token_seconds,
                 st.decode_tokens_per_second);
  } else {
    LogUnfinished(job, result.status());
  }
  job.Finish(std::move(result));
}

}  // namespace litertlm::cli::serve
