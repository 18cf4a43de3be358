#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LITERTLM_CPU_RELAX() _mm_pause()
#else
#define LITERTLM_CPU_RELAX() std::this_thread::yield()
#endif

namespace litertlm {

int PhysicalCoreCount() {
  std::ifstream in("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, physical_id = "0";
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_first_of(" \t"));
    std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "physical") physical_id = value;
    if (line.rfind("core id", 0) == 0) cores.emplace(physical_id, value);
  }
  if (!cores.empty()) return static_cast<int>(cores.size());
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

ThreadPool::ThreadPool(int num_threads, int spin_us)
    : num_threads_(num_threads < 1 ? 1 : num_threads), spin_us_(spin_us) {
  // A count the OS cannot give (RLIMIT_NPROC, memory) leaves the pool with the threads it got:
  // std::thread throws std::system_error, which must not escape the library. No job runs before
  // the constructor returns, so the workers see the final count.
  for (int i = 1; i < num_threads_; ++i) {
    try {
      workers_.emplace_back([this, i] { WorkerLoop(i); });
    } catch (const std::system_error&) {
      num_threads_ = i;
      break;
    }
  }
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1);
  WakeSleepers();
  for (auto& t : workers_) t.join();
}

void ThreadPool::WakeSleepers() {
  // A worker registers in sleepers_ (under mu_) before testing generation_, and we bump
  // generation_ before reading sleepers_ (both seq_cst): either it sees the new generation or we
  // see it and notify under the mutex, after it has started waiting.
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mu_); }
    cv_.notify_all();
  }
}

void ThreadPool::RunRange(int index) {
  if (job_chunk_ > 0) {
    for (;;) {
      const int64_t begin = next_.fetch_add(job_chunk_, std::memory_order_relaxed);
      if (begin >= job_n_) return;
      job_fn_(job_ctx_, begin, std::min(job_n_, begin + job_chunk_));
    }
  }
  int64_t begin = job_n_ * index / num_threads_;
  int64_t end = job_n_ * (index + 1) / num_threads_;
  if (begin < end) job_fn_(job_ctx_, begin, end);
}

void ThreadPool::RunJob(int64_t n, JobFn fn, const void* ctx, int64_t chunk) {
  if (n <= 0) return;
  // Serial cases: one thread, a single unit (or chunk) of work, or a nested call from inside a
  // job.
  if (num_threads_ == 1 || n == 1 || (chunk > 0 && n <= chunk) ||
      in_job_.exchange(true, std::memory_order_acquire)) {
    const int64_t step = chunk > 0 ? chunk : n;
    for (int64_t b = 0; b < n; b += step) fn(ctx, b, std::min(n, b + step));
    return;
  }
  job_fn_ = fn;
  job_ctx_ = ctx;
  job_n_ = n;
  job_chunk_ = chunk;
  next_.store(0, std::memory_order_relaxed);
  pending_.store(num_threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1);  // seq_cst: ordered before the sleepers_ check below
  WakeSleepers();
  RunRange(0);
  // Spin; after ~10k polls (a worker was descheduled: the host is oversubscribed) also yield.
  for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
    LITERTLM_CPU_RELAX();
    if (i > 10000) std::this_thread::yield();
  }
  in_job_.store(false, std::memory_order_release);
}

void ThreadPool::WorkerLoop(int index) {
  uint32_t seen = 0;  // the generation at construction (not a load: the first job may already be out)
  for (;;) {
    // Spin for a while, then sleep until the generation changes.
    auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us_);
    uint32_t now = generation_.load(std::memory_order_acquire);
    for (int i = 0; now == seen; ++i) {
      LITERTLM_CPU_RELAX();
      if ((i & 255) == 255 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        cv_.wait(lock, [&] { return generation_.load() != seen; });
        sleepers_.fetch_sub(1);
      }
      now = generation_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    RunRange(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace litertlm
