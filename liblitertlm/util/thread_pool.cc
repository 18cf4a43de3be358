#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <climits>

#include "util/cpu_info.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LITERTLM_CPU_RELAX() _mm_pause()
#else
#define LITERTLM_CPU_RELAX() std::this_thread::yield()
#endif

namespace litertlm {
namespace {

// The pool whose job this thread is running (nested calls run serially).
thread_local const ThreadPool* tls_running = nullptr;

// Sleeps while *word == expected (or until woken; spurious returns are allowed).
void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
#else
  if (word->load() == expected) std::this_thread::yield();
#endif
}

void FutexWake(std::atomic<uint32_t>* word, int count) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr,
          nullptr, 0);
#else
  (void)word;
  (void)count;
#endif
}

using Clock = std::chrono::steady_clock;

// How long the caller spins for the last chunks before it sleeps: long enough for a running
// worker to finish a chunk (tens of µs at most), short enough to hand the CPU over soon to a
// worker that was descheduled while holding one.
constexpr auto kCallerSpin = std::chrono::microseconds(50);

// A claim word's chunk index when its job is closed (above any chunk count).
constexpr uint64_t kClosed = 0xffffffffu;

}  // namespace

int PhysicalCoreCount() { return DefaultThreadCount(); }

ThreadPool::ThreadPool(int num_threads, int spin_us, int max_active)
    : num_threads_(num_threads < 1 ? 1 : num_threads),
      spin_us_(spin_us),
      max_spinners_(std::clamp(max_active > 0       ? max_active
                              : num_threads_ > 1 ? AvailableCpuCount()
                                                 : 1,
                              1, num_threads_) -
                   1) {
  workers_.reserve(static_cast<size_t>(num_threads_ - 1));
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  seq_.fetch_add(1);
  FutexWake(&seq_, INT_MAX);
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks(uint32_t seq) {
  uint64_t state = claim_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<uint32_t>(state >> 32) != seq) return;
    const uint32_t index = static_cast<uint32_t>(state);
    const uint32_t chunks = job_chunks_.load(std::memory_order_relaxed);
    const JobFn fn = job_fn_.load(std::memory_order_relaxed);
    const void* ctx = job_ctx_.load(std::memory_order_relaxed);
    const int64_t n = job_n_.load(std::memory_order_relaxed);
    const int64_t chunk = job_chunk_.load(std::memory_order_relaxed);
    // Pairs with the release fence after RunJob closes the previous job: if any field above
    // came from a newer job, the close is visible to the CAS below, which then fails.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (index >= chunks) return;
    // On failure `state` is reloaded: another thread claimed this chunk, or a newer job began.
    if (!claim_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;
    }
    // The claim succeeded, so job `seq` was open (not closed by RunJob) and the fields read
    // above are its own.
    int64_t begin, end;
    if (chunk > 0) {
      begin = int64_t{index} * chunk;
      end = std::min(n, begin + chunk);
    } else {
      begin = n * index / chunks;
      end = n * (index + 1) / chunks;
    }
    if (begin < end) fn(ctx, begin, end);
    if (done_.fetch_add(1) + 1 == chunks && caller_sleeping_.load()) FutexWake(&done_, 1);
    state = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::WakeWorkers() {
  // A worker registers in sleepers_ before it re-reads seq_ and sleeps, and seq_ was bumped
  // before this reads sleepers_ (both seq_cst): either it sees the new job or it is counted
  // here (and the futex refuses to sleep on the old value).
  const int sleepers = sleepers_.load();
  if (sleepers == 0) return;
  const int wanted = std::min(sleepers, max_spinners_ - spinners_.load());
  if (wanted > 0) FutexWake(&seq_, wanted);
}

void ThreadPool::WaitForChunks(uint32_t chunks) {
  if (done_.load(std::memory_order_acquire) == chunks) return;
  const auto spin_until = Clock::now() + kCallerSpin;
  for (int i = 1; done_.load(std::memory_order_acquire) != chunks; ++i) {
    LITERTLM_CPU_RELAX();
    if ((i & 63) == 0 && Clock::now() > spin_until) break;
  }
  for (;;) {
    caller_sleeping_.store(true);
    const uint32_t done = done_.load();
    if (done == chunks) break;
    FutexWait(&done_, done);
  }
  caller_sleeping_.store(false, std::memory_order_relaxed);
}

void ThreadPool::RunJob(int64_t n, JobFn fn, const void* ctx, int64_t chunk) {
  if (n <= 0) return;
  int64_t chunks = chunk > 0 ? (n + chunk - 1) / chunk : std::min<int64_t>(n, num_threads_);
  if (chunks > (int64_t{1} << 30)) {  // the claim counter holds 32 bits
    chunk = (n + (int64_t{1} << 30) - 1) >> 30;
    chunks = (n + chunk - 1) / chunk;
  }
  // Serial cases: one thread (or one CPU to run on), one chunk, or a nested call from inside a
  // job.
  if (max_spinners_ == 0 || chunks == 1 || tls_running == this) {
    const int64_t step = chunk > 0 ? chunk : n;
    for (int64_t b = 0; b < n; b += step) fn(ctx, b, std::min(n, b + step));
    return;
  }
  std::lock_guard<std::mutex> lock(job_mu_);
  tls_running = this;
  // Close the previous job before overwriting its fields: a late worker that read its claim
  // word (every chunk claimed, index == its chunk count) could otherwise compare that index
  // with the new job's larger count and claim a chunk of the previous job with the new fields.
  const uint32_t previous = seq_.load(std::memory_order_relaxed);
  claim_.store((uint64_t{previous} << 32) | kClosed, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  job_fn_.store(fn, std::memory_order_relaxed);
  job_ctx_.store(ctx, std::memory_order_relaxed);
  job_n_.store(n, std::memory_order_relaxed);
  job_chunk_.store(chunk, std::memory_order_relaxed);
  job_chunks_.store(static_cast<uint32_t>(chunks), std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint32_t seq = previous + 1;
  claim_.store(uint64_t{seq} << 32, std::memory_order_release);
  seq_.store(seq);  // seq_cst: ordered before WakeWorkers' reads
  WakeWorkers();
  RunChunks(seq);
  WaitForChunks(static_cast<uint32_t>(chunks));
  tls_running = nullptr;
}

bool ThreadPool::WaitForJob(uint32_t* seen) {
  // Spin if fewer than max_spinners_ workers are spinning already.
  int spinning = spinners_.load(std::memory_order_relaxed);
  while (spinning < max_spinners_ && !spinners_.compare_exchange_weak(spinning, spinning + 1)) {
  }
  if (spinning < max_spinners_) {
    const auto spin_until = Clock::now() + std::chrono::microseconds(spin_us_);
    for (int i = 1;; ++i) {
      const uint32_t now = seq_.load(std::memory_order_acquire);
      if (now != *seen) {
        spinners_.fetch_sub(1);
        *seen = now;
        return !stop_.load();
      }
      LITERTLM_CPU_RELAX();
      if ((i & 255) == 0) {
        if (Clock::now() > spin_until) break;
        // Every ~10-30 µs let a runnable thread sharing this CPU (the caller that is to publish
        // the next job, on an oversubscribed host) run: costs ~1 µs when there is none.
        std::this_thread::yield();
      }
    }
    spinners_.fetch_sub(1);
  }
  for (;;) {
    sleepers_.fetch_add(1);
    const uint32_t now = seq_.load();
    if (now == *seen) FutexWait(&seq_, now);
    sleepers_.fetch_sub(1);
    const uint32_t after = seq_.load(std::memory_order_acquire);
    if (after != *seen) {
      *seen = after;
      return !stop_.load();
    }
  }
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;  // the sequence at construction (not a load: the first job may be out)
  while (WaitForJob(&seen)) {
    tls_running = this;
    RunChunks(seen);
    tls_running = nullptr;
  }
}

}  // namespace litertlm
