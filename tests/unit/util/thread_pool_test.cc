#include "util/thread_pool.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "util/cpu_info.h"

namespace litertlm {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads, 2000, /*max_active=*/threads);
    EXPECT_EQ(pool.num_threads(), threads);
    for (int64_t n : {0, 1, 2, 5, 64, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.ParallelFor(n, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(hits[static_cast<size_t>(i)].load(), 1) << n << " " << i;
    }
  }
}

TEST(ThreadPoolTest, ManyBackToBackJobsAndSleepingWorkers) {
  // Workers sleep between jobs: exercises the futex wake-up.
  ThreadPool pool(2, /*spin_us=*/0, /*max_active=*/2);
  std::atomic<int64_t> sum{0};
  for (int rep = 0; rep < 2000; ++rep) {
    pool.ParallelFor(10, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sum.fetch_add(i);
    });
  }
  EXPECT_EQ(sum.load(), 2000 * 45);
}

TEST(ThreadPoolTest, GrainAlignsRanges) {
  ThreadPool pool(2);
  std::atomic<int> bad{0}, total{0};
  pool.ParallelForGrain(103, 8, [&](int64_t b, int64_t e) {
    if (b % 8 != 0) bad.fetch_add(1);
    total.fetch_add(static_cast<int>(e - b));
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(total.load(), 103);
}

TEST(ThreadPoolTest, NestedCallRunsSerially) {
  ThreadPool pool(2);
  std::atomic<int> inner{0};
  pool.ParallelFor(2, [&](int64_t, int64_t) {
    pool.ParallelFor(4, [&](int64_t b, int64_t e) { inner.fetch_add(static_cast<int>(e - b)); });
  });
  EXPECT_EQ(inner.load(), 8);
}

TEST(ThreadPoolTest, DynamicCoversEveryIndexOnceInChunks) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads, 2000, /*max_active=*/threads);
    for (int64_t chunk : {1, 7, 64}) {
      for (int64_t n : {0, 1, 5, 64, 1001}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int> bad{0};
        pool.ParallelForDynamic(n, chunk, [&](int64_t b, int64_t e) {
          if (b % chunk != 0 || e - b > chunk || e <= b) bad.fetch_add(1);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        EXPECT_EQ(bad.load(), 0) << threads << " " << chunk << " " << n;
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << n << " " << i;
      }
    }
  }
}

// A thread held up in one chunk leaves the others to the rest (the static split would make the
// caller wait for the slow thread's whole half).
TEST(ThreadPoolTest, DynamicChunksGoToTheFreeThread) {
  ThreadPool pool(2, 2000, /*max_active=*/2);
  std::mutex mu;
  std::map<std::thread::id, int> chunks;
  pool.ParallelForDynamic(100, 1, [&](int64_t b, int64_t) {
    if (b == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::lock_guard<std::mutex> lock(mu);
    ++chunks[std::this_thread::get_id()];
  });
  int total = 0, most = 0;
  for (const auto& [id, count] : chunks) {
    total += count;
    most = std::max(most, count);
  }
  EXPECT_EQ(total, 100);
  EXPECT_GE(most, 90);  // the thread that slept took few chunks
}

// Back-to-back jobs whose chunk counts alternate between small and large: a worker still
// looking at a finished small job must never run a chunk of it with the next job's callable
// (each callable checks that it runs inside its own call and counts its indices).
TEST(ThreadPoolTest, LateWorkersNeverMixTwoJobs) {
  // More threads than CPUs: workers are preempted anywhere, also between reading a job's claim
  // word and its fields.
  ThreadPool pool(4, /*spin_us=*/100000, /*max_active=*/4);
  std::atomic<int> current{-1};
  std::atomic<int> wrong{0};
  std::atomic<int64_t> covered{0};
  int64_t expected = 0;
  for (int job = 0; job < 20000; ++job) {
    const int64_t n = job % 2 ? 2 : 64;
    current.store(job);
    auto body = [&, job](int64_t b, int64_t e) {
      if (current.load() != job) wrong.fetch_add(1);
      covered.fetch_add(e - b);
    };
    if (job % 3 == 0) {
      pool.ParallelFor(n, body);
    } else {
      pool.ParallelForDynamic(n, 1, body);
    }
    current.store(-1);
    expected += n;
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(covered.load(), expected);
}

TEST(ThreadPoolTest, PhysicalCoreCountIsPositive) { EXPECT_GE(PhysicalCoreCount(), 1); }

TEST(ThreadPoolTest, ActiveThreadsDefaultToTheAvailableCpus) {
  ThreadPool pool(64);
  EXPECT_EQ(pool.num_threads(), 64);
  EXPECT_EQ(pool.max_active(), std::min(64, AvailableCpuCount()));
  EXPECT_EQ(ThreadPool(4, 2000, 2).max_active(), 2);
  EXPECT_EQ(ThreadPool(2, 2000, 8).max_active(), 2);
}

// More threads than CPUs to run them: with max_active 1 the caller does all the work, and no
// job waits for a worker that has no CPU.
TEST(ThreadPoolTest, OneActiveThreadRunsEverythingOnTheCaller) {
  ThreadPool pool(8, 2000, /*max_active=*/1);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  std::atomic<int64_t> covered{0};
  for (int rep = 0; rep < 100; ++rep) {
    pool.ParallelFor(64, [&](int64_t b, int64_t e) {
      if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
      covered.fetch_add(e - b);
    });
  }
  EXPECT_EQ(elsewhere.load(), 0);
  EXPECT_EQ(covered.load(), 6400);
}

// Sessions of one Engine share its pool from their own threads: jobs take turns (no more
// threads run job bodies at once than the pool has) and each covers its indices exactly once.
TEST(ThreadPoolTest, CallersOnSeveralThreadsTakeTurns) {
  ThreadPool pool(2, 2000, /*max_active=*/2);
  constexpr int kCallers = 4, kJobs = 100;
  std::atomic<int> running{0}, most{0};
  std::vector<int64_t> errors(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int j = 0; j < kJobs; ++j) {
        std::atomic<int64_t> sum{0};
        const int64_t n = 2 + (j % 7);
        auto body = [&](int64_t b, int64_t e) {
          const int now = running.fetch_add(1) + 1;
          for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
          }
          std::this_thread::sleep_for(std::chrono::microseconds(50));
          for (int64_t i = b; i < e; ++i) sum.fetch_add(i + c);
          running.fetch_sub(1);
        };
        if (j % 2) {
          pool.ParallelFor(n, body);
        } else {
          pool.ParallelForDynamic(n, 1, body);
        }
        errors[static_cast<size_t>(c)] += sum.load() - (n * (n - 1) / 2 + n * c);
      }
    });
  }
  for (auto& t : callers) t.join();
  for (int c = 0; c < kCallers; ++c) EXPECT_EQ(errors[static_cast<size_t>(c)], 0) << c;
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
}

// A worker that is not running (descheduled on a busy machine; here: parked in a signal
// handler) must not hold up jobs: the caller claims its share. With one fixed range per
// worker, every job would wait for it.
std::atomic<bool> g_parked{false};
std::atomic<bool> g_release{false};
void ParkThread(int) {
  g_parked.store(true);
  while (!g_release.load()) {
    timespec ts{0, 1000000};
    nanosleep(&ts, nullptr);
  }
}

TEST(ThreadPoolTest, JobsCompleteWhileAWorkerIsNotRunning) {
  ThreadPool pool(2, /*spin_us=*/1000000, /*max_active=*/2);
  const pthread_t caller = pthread_self();
  // Find the worker's thread: it takes some of many slow chunks.
  std::mutex mu;
  std::vector<pthread_t> others;
  for (int attempt = 0; attempt < 50 && others.empty(); ++attempt) {
    pool.ParallelForDynamic(64, 1, [&](int64_t, int64_t) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (!pthread_equal(pthread_self(), caller)) {
        std::lock_guard<std::mutex> lock(mu);
        others.push_back(pthread_self());
      }
    });
  }
  ASSERT_FALSE(others.empty()) << "the worker never took a chunk";
  struct sigaction action {}, old {};
  action.sa_handler = ParkThread;
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
  g_parked = false;
  g_release = false;
  ASSERT_EQ(pthread_kill(others[0], SIGUSR1), 0);
  while (!g_parked.load()) std::this_thread::yield();
  // A watchdog frees the worker after 10 s, so that a pool that waits for it fails, not hangs.
  std::thread watchdog([] {
    for (int i = 0; i < 1000 && !g_release.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    g_release = true;
  });
  std::atomic<int64_t> covered{0};
  for (int rep = 0; rep < 200; ++rep) {
    pool.ParallelFor(2, [&](int64_t b, int64_t e) { covered.fetch_add(e - b); });
    pool.ParallelForDynamic(10, 2, [&](int64_t b, int64_t e) { covered.fetch_add(e - b); });
  }
  const bool done_while_parked = !g_release.load();
  g_release = true;
  watchdog.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_TRUE(done_while_parked);
  EXPECT_EQ(covered.load(), 200 * 12);
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// While a worker holds the job's last chunk for long (it was descheduled mid-chunk), the
// caller sleeps instead of spinning, so that the worker can have its CPU.
TEST(ThreadPoolTest, CallerSleepsWhileAWorkerHoldsTheLastChunk) {
  ThreadPool pool(2, /*spin_us=*/1000000, /*max_active=*/2);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> worker_started{false};
  bool worker_seen = false;
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  pool.ParallelForDynamic(2, 1, [&](int64_t, int64_t) {
    if (std::this_thread::get_id() != caller) {
      worker_started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return;
    }
    // The caller's chunk: let the worker take the other one.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!worker_started.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    worker_seen = worker_started.load();
  });
  const double cpu = ThreadCpuSeconds() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  ASSERT_TRUE(worker_seen) << "the worker never took a chunk";
  EXPECT_GE(wall, 0.29);
  EXPECT_LT(cpu, 0.1) << "the caller spun while waiting";
}

}  // namespace
}  // namespace litertlm
