// Shared helpers for the kernel microbenchmarks: a STREAM-style read-bandwidth probe, random
// quantized weights built without the (slow) quantizer, and kernel contexts per thread count.
#ifndef LITERTLM_BENCHMARKS_MICRO_BENCH_COMMON_H_
#define LITERTLM_BENCHMARKS_MICRO_BENCH_COMMON_H_

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include "kernels/kernel_table.h"
#include "kernels/linear.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"
#include "util/half.h"

namespace litertlm::bench {

inline uint64_t NextRandom(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// Sum of a float array with 4 independent AVX-512 accumulators (streaming read).
__attribute__((target("avx512f"))) inline float ReadSum(const float* p, int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (int64_t i = 0; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

// A KernelContext per thread count, created once (workers keep spinning between calls).
inline KernelContext& Context(int threads) {
  static std::map<int, std::unique_ptr<KernelContext>> contexts;
  auto& c = contexts[threads];
  if (!c) c = std::make_unique<KernelContext>(threads);
  return *c;
}

// STREAM-style read bandwidth over a 512 MiB array, split over `threads` pool threads.
// Reports GB/s (10^9 bytes/s) of bytes read.
inline void ReadBandwidth(benchmark::State& state) {
  static std::unique_ptr<AlignedBuffer> buf;
  const int64_t n = (int64_t{512} << 20) / 4;
  if (!buf) {
    buf = std::make_unique<AlignedBuffer>(static_cast<size_t>(n) * 4);
    float* f = reinterpret_cast<float*>(buf->data());
    for (int64_t i = 0; i < n; ++i) f[i] = 1.0f;
  }
  const float* p = reinterpret_cast<const float*>(buf->data());
  KernelContext& ctx = Context(static_cast<int>(state.range(0)));
  float sums[8] = {};
  for (auto _ : state) {
    ctx.pool().ParallelForGrain(n, 1 << 16, [&](int64_t b, int64_t e) {
      sums[b * ctx.num_threads() / n] += ReadSum(p + b, e - b);
    });
    benchmark::DoNotOptimize(sums);
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(n) * 4e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel("read");
}

// A weight matrix of the given format with random contents, packed like the loader would.
struct BenchMatrix {
  QuantizedMatrix stored;
  std::unique_ptr<PackedMatrix> packed;
  Matrix view;
  int64_t weight_bytes = 0;  // bytes a GEMV streams: weights + scales
};

// rows16: int4 in the load-time kInt4Rows16 layout (what the loader makes of int4 matrices)
// instead of kPacked4x64.
inline std::unique_ptr<BenchMatrix> MakeBenchMatrix(DType t, bool dynamic, int64_t n, int64_t k,
                                                    uint64_t seed, bool rows16 = false) {
  auto m = std::make_unique<BenchMatrix>();
  QuantizedMatrix& q = m->stored;
  q.dtype = t;
  q.rows = n;
  q.cols = k;
  q.data.resize(static_cast<size_t>(n * MatrixRowBytes(t, k)));
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  if (t == DType::kF32 || t == DType::kF16) {
    for (int64_t i = 0; i < n * k; ++i) {
      float v = static_cast<float>(static_cast<int64_t>(NextRandom(s) % 2001) - 1000) * 1e-5f;
      if (t == DType::kF32) {
        std::memcpy(q.data.data() + 4 * i, &v, 4);
      } else {
        uint16_t h = F32ToF16(v);
        std::memcpy(q.data.data() + 2 * i, &h, 2);
      }
    }
  } else {
    for (size_t i = 0; i < q.data.size(); i += 8) {
      uint64_t r = NextRandom(s);
      std::memcpy(q.data.data() + i, &r, std::min<size_t>(8, q.data.size() - i));
    }
    if (t == DType::kI8) {
      for (auto& b : q.data) {
        if (b == 0x80) b = 0x81;  // keep weights in [-127, 127]
      }
    }
    q.scales.assign(static_cast<size_t>(n * (k / ScaleBlock(t, k))), 1e-3f);
  }
  if (t == DType::kF32) {
    m->view = q.view();
    m->weight_bytes = n * k * 4;
  } else {
    m->packed = rows16 ? std::move(PackInt4Rows16(q.view(dynamic)).value())
                       : std::move(PackMatrix(q.view(dynamic)).value());
    m->view = m->packed->view;
    m->weight_bytes = static_cast<int64_t>(m->packed->data.size() + m->packed->scales.size());
    q.data = {};  // the loader keeps only the packed copy
    q.data.shrink_to_fit();
  }
  return m;
}

}  // namespace litertlm::bench

#endif  // LITERTLM_BENCHMARKS_MICRO_BENCH_COMMON_H_
