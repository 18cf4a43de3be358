// ThreadPool: a fixed set of persistent worker threads for data-parallel loops.
//
//   ThreadPool pool(2);                       // 2 = the caller + 1 worker thread
//   pool.ParallelFor(n, [&](int64_t begin, int64_t end) { ... });
//
// A job is cut into chunks: ParallelFor into num_threads() contiguous ranges of [0, n),
// ParallelForDynamic into chunks of a given size. Every chunk is *claimed* by whichever thread
// gets to it first; the calling thread claims chunks too. So a worker that the OS has not
// scheduled (the machine is busy, or there are more threads than CPUs) does not hold up the
// job: the threads that are running take its share. The call returns when every chunk is done.
// No allocation happens per call (the callable is passed by reference through a type-erased
// pointer).
//
// Waiting: idle workers spin (with `pause`, yielding the CPU every ~10-30 µs to any other
// runnable thread on it) for about `spin_us` microseconds after their last job and then sleep
// on a futex; during generation jobs arrive every few microseconds, so they rarely sleep. At most max_active - 1 workers spin at a time (max_active = min(num_threads,
// AvailableCpuCount()) by default): extra workers sleep and are woken only when fewer than that
// are spinning, so `--threads 8` on 2 CPUs does not fill them with spinning threads. The caller,
// once its chunks are claimed, spins briefly for the others to finish and then sleeps on a
// futex, giving its CPU to a descheduled worker that still holds a chunk.
//
// Thread-safety: ParallelFor* may be called from several threads at once (e.g. sessions of one
// Engine sharing its pool): jobs run one at a time, in the order their callers acquire the
// pool. A nested call from inside a job runs serially on the calling thread.
#ifndef LITERTLM_UTIL_THREAD_POOL_H_
#define LITERTLM_UTIL_THREAD_POOL_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace litertlm {

// Kept for existing callers: DefaultThreadCount() (util/cpu_info.h), i.e. physical cores this
// process may use, capped by its cgroup's CPU quota.
int PhysicalCoreCount();

class ThreadPool {
 public:
  // num_threads >= 1 counts the calling thread; num_threads - 1 workers are started.
  // max_active: threads (the caller included) that work on a job at once; 0 = min(num_threads,
  // AvailableCpuCount()).
  explicit ThreadPool(int num_threads, int spin_us = 2000, int max_active = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }
  int max_active() const { return max_spinners_ + 1; }

  // Runs fn(begin, end) over a split of [0, n) into num_threads() contiguous ranges (empty
  // ranges are skipped). fn must be callable as void(int64_t, int64_t) and must not throw.
  template <typename Fn>
  void ParallelFor(int64_t n, const Fn& fn) {
    RunJob(n, &Trampoline<Fn>, &fn);
  }

  // fn(begin, end) over chunks of `chunk` indices (the last may be shorter), each run exactly
  // once by whichever thread takes it next.
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
  // chunk 0: num_threads() equal ranges; otherwise chunks of `chunk` indices.
  void RunJob(int64_t n, JobFn fn, const void* ctx, int64_t chunk = 0);
  void WakeWorkers();
  // Claims and runs chunks of job `seq` until none is left.
  void RunChunks(uint32_t seq);
  void WaitForChunks(uint32_t chunks);
  // Waits for a job newer than *seen; false when the pool is stopping.
  bool WaitForJob(uint32_t* seen);
  void WorkerLoop();

  int num_threads_;  // set once in the constructor (fewer when the OS refuses more threads)
  const int spin_us_;
  const int max_spinners_;  // workers allowed to spin-wait at once
  std::vector<std::thread> workers_;
  std::mutex job_mu_;  // held by the caller for the whole of a job

  // The current job. Atomics because a worker that was descheduled may read them while the
  // next job is being written; it only uses what it read after a successful claim of a chunk
  // of its own job (which proves the job was still open, so the fields were its job's).
  std::atomic<JobFn> job_fn_{nullptr};
  std::atomic<const void*> job_ctx_{nullptr};
  std::atomic<int64_t> job_n_{0};
  std::atomic<int64_t> job_chunk_{0};  // 0: static ranges
  std::atomic<uint32_t> job_chunks_{0};

  alignas(64) std::atomic<uint64_t> claim_{0};   // (job sequence << 32) | next chunk to claim
  alignas(64) std::atomic<uint32_t> seq_{0};     // the latest job's sequence (workers' futex)
  alignas(64) std::atomic<uint32_t> done_{0};    // chunks finished (the caller's futex)
  std::atomic<bool> caller_sleeping_{false};
  alignas(64) std::atomic<int> spinners_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace litertlm

#endif  // LITERTLM_UTIL_THREAD_POOL_H_
