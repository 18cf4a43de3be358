// ThreadPool: a fixed set of persistent worker threads for data-parallel loops.
//
//   ThreadPool pool(2);                       // 2 = the caller + 1 worker thread
//   pool.ParallelFor(n, [&](int64_t begin, int64_t end) { ... });
//
// ParallelFor splits [0, n) statically into num_threads() contiguous ranges; range 0 runs on the
// calling thread, range i on worker i. ParallelForDynamic hands out chunks from a shared counter
// instead, so a thread that runs slower (a core sharing its memory channel or its host CPU with
// a noisy neighbour) takes fewer of them. Both return when every index is done. No allocation
// happens per call (the callable is passed by reference through a type-erased pointer).
//
// Waiting: idle workers spin (with `pause`) for about `spin_us` microseconds after the last job
// and then sleep on a condition variable. During generation jobs arrive every few
// microseconds, so workers never sleep; a sleeping wake-up costs 10-50 µs on this VM.
//
// Thread-safety: ParallelFor may be called from one thread at a time (the owner, e.g. a Session).
// Nested ParallelFor calls from inside a job run serially on the calling worker.
#ifndef LITERTLM_UTIL_THREAD_POOL_H_
#define LITERTLM_UTIL_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace litertlm {

// Number of physical cores (distinct (package, core id) pairs in /proc/cpuinfo); falls back to
// std::thread::hardware_concurrency(), and to 1.
int PhysicalCoreCount();

class ThreadPool {
 public:
  // num_threads >= 1 counts the calling thread; num_threads - 1 workers are started.
  explicit ThreadPool(int num_threads, int spin_us = 2000);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Runs fn(begin, end) over a static split of [0, n) into num_threads() ranges (empty ranges are
  // skipped). fn must be callable as void(int64_t, int64_t) and must not throw.
  template <typename Fn>
  void ParallelFor(int64_t n, const Fn& fn) {
    RunJob(n, &Trampoline<Fn>, &fn);
  }

  // fn(begin, end) over chunks of `chunk` indices (the last may be shorter), each run exactly
  // once by whichever thread takes it next; use when which thread runs an index does not matter.
  template <typename Fn>
  void ParallelForDynamic(int64_t n, int64_t chunk, const Fn& fn) {
    RunJob(n, &Trampoline<Fn>, &fn, chunk < 1 ? 1 : chunk);
  }

  // Like ParallelFor, but ranges are multiples of `grain` (the last one may be shorter).
  template <typename Fn>
  void ParallelForGrain(int64_t n, int64_t grain, const Fn& fn) {
    int64_t units = (n + grain - 1) / grain;
    auto scaled = [&](int64_t b, int64_t e) {
      int64_t end = e * grain < n ? e * grain : n;
      fn(b * grain, end);
    };
    ParallelFor(units, scaled);
  }

 private:
  using JobFn = void (*)(const void* ctx, int64_t begin, int64_t end);
  template <typename Fn>
  static void Trampoline(const void* ctx, int64_t begin, int64_t end) {
    (*static_cast<const Fn*>(ctx))(begin, end);
  }
  // chunk 0: the static split; otherwise chunks taken from next_.
  void RunJob(int64_t n, JobFn fn, const void* ctx, int64_t chunk = 0);
  void RunRange(int index);
  void WakeSleepers();
  void WorkerLoop(int index);

  int num_threads_;  // set once in the constructor (fewer when the OS refuses more threads)
  const int spin_us_;
  std::vector<std::thread> workers_;
  // Job description, published by the release-increment of generation_.
  JobFn job_fn_ = nullptr;
  const void* job_ctx_ = nullptr;
  int64_t job_n_ = 0;
  int64_t job_chunk_ = 0;
  alignas(64) std::atomic<int64_t> next_{0};
  alignas(64) std::atomic<uint32_t> generation_{0};
  alignas(64) std::atomic<int> pending_{0};
  alignas(64) std::atomic<bool> stop_{false};
  std::atomic<bool> in_job_{false};
  std::atomic<int> sleepers_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace litertlm

#endif  // LITERTLM_UTIL_THREAD_POOL_H_
