#include "util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace litertlm {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
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
  ThreadPool pool(2, /*spin_us=*/0);  // workers sleep between jobs: exercises the futex wake-up
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
    ThreadPool pool(threads);
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
  ThreadPool pool(2);
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

TEST(ThreadPoolTest, PhysicalCoreCountIsPositive) { EXPECT_GE(PhysicalCoreCount(), 1); }

}  // namespace
}  // namespace litertlm
