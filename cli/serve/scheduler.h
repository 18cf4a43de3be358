// The request scheduler: a bounded queue of jobs and `parallel` worker threads that run them on
// sessions from a SessionPool (one Engine for all). Submit refuses when the queue is full, so the
// HTTP layer can answer 503 at once instead of letting requests pile up.
#ifndef LITERTLM_CLI_SERVE_SCHEDULER_H_
#define LITERTLM_CLI_SERVE_SCHEDULER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "litertlm/engine.h"
#include "litertlm/session.h"
#include "serve/job.h"
#include "serve/session_pool.h"

namespace litertlm::cli::serve {

struct SchedulerOptions {
  int parallel = 1;        // requests generated at the same time
  int queue_size = 16;     // requests waiting beyond those; more are refused
  int cache_sessions = 0;  // sessions kept with their KV cache (≥ parallel; 0 = 2 × parallel)
  SessionOptions session;
};

class Scheduler {
 public:
  Scheduler(std::shared_ptr<const Engine> engine, const SchedulerOptions& options);
  // Cancels what runs, fails what waits (UNAVAILABLE) and joins the workers.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Cancels what runs and fails what waits (UNAVAILABLE); later submissions are refused.
  // Idempotent; the destructor calls it and joins the workers.
  void Shutdown();

  // False when the queue is full (or the scheduler is stopping): the job was not taken.
  bool Submit(std::shared_ptr<Job> job);

  struct Load {
    int running = 0;
    int queued = 0;
    int sessions = 0;
    int64_t decode_steps = 0;    // batched decode steps run (0 without a DecodeBatcher)
    int64_t decoded_tokens = 0;  // tokens they decoded (÷ steps = mean batch size)
  };
  Load load() const;

 private:
  void WorkerLoop();
  void Run(Job& job);

  const SchedulerOptions options_;
  SessionPool pool_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::shared_ptr<Job>> running_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_SCHEDULER_H_
