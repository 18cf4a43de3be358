// Prefill attention of one layer (causal, from an empty cache: T queries against themselves) at
// the Gemma 3 270M shape (4 query heads on 1 KV head, head_dim 256) and the Qwen3-0.6B one (16 on
// 8, head_dim 128), fp32 cache, 1 and 2 threads:
//   fused/<level>  the fused kernel (kernels/prefill_attention.h) of each level this CPU runs
//   openblas       the two-sgemm path it replaced, as a peer in the same process: per 64-query
//                  block and KV head, scores = Q·Kᵀ (the group's heads stacked), masked softmax
//                  (kernels/elementwise.h), out = P·V, both products through OpenBLAS (whose core
//                  OPENBLAS_CORETYPE picks; the label names it)
// Work items (64-query block, KV head) are taken by the threads as they free up, largest first. Counter GFLOP/s =
// 4 · head_dim · (visible query-key pairs) per second (2 for the scores, 2 for the values).
//   build/benchmarks/prefill_attention_bench --benchmark_repetitions=5 \
//       --benchmark_report_aggregates_only
#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"
#include "kernels/blas.h"
#include "kernels/elementwise.h"
#include "kernels/prefill_attention.h"

namespace litertlm::bench {
namespace {

struct Shape {
  const char* model;
  int kv_heads, group, head_dim;
};
const Shape kShapes[] = {{"gemma3-270m", 1, 4, 256}, {"qwen3-0.6b", 8, 2, 128}};
constexpr int64_t kBlock = 64;

// One layer's queries (T × heads × d), keys and values (per KV head: T × d), random.
struct Layer {
  int64_t tokens = 0;
  std::vector<float> q, k, v, out;
};

Layer MakeLayer(const Shape& s, int64_t tokens) {
  Layer l;
  l.tokens = tokens;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const int64_t heads = int64_t{s.kv_heads} * s.group;
  l.q.resize(static_cast<size_t>(tokens * heads * s.head_dim));
  l.k.resize(static_cast<size_t>(tokens * s.kv_heads * s.head_dim));
  l.v.resize(l.k.size());
  l.out.resize(l.q.size());
  for (float& x : l.q) x = dist(rng);
  for (float& x : l.k) x = dist(rng);
  for (float& x : l.v) x = dist(rng);
  return l;
}

// The old path for one (block, KV head): stacked queries, sgemm, masked softmax, sgemm.
void BlasBlock(const Shape& s, const Layer& l, int64_t t0, int64_t t1, int kv, float* scratch) {
  const int d = s.head_dim, g = s.group;
  const int64_t rows = t1 - t0, keys = t1, qd = int64_t{s.kv_heads} * g * d;
  float* stacked = scratch;
  float* scores = stacked + g * rows * d;
  for (int i = 0; i < g; ++i) {
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(&l.q[(t0 + r) * qd + (int64_t{kv} * g + i) * d], d, stacked + (i * rows + r) * d);
    }
  }
  const float* k = &l.k[int64_t{kv} * l.tokens * d];
  const float* v = &l.v[int64_t{kv} * l.tokens * d];
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  BlasSgemm(/*b_transposed=*/true, g * rows, keys, d, scale, stacked, d, k, d, 0.0f, scores, keys);
  for (int64_t r = 0; r < g * rows; ++r) {
    float* row = scores + r * keys;
    const int64_t end = t0 + r % rows + 1;
    SoftmaxInPlace(row, end);
    std::fill(row + end, row + keys, 0.0f);
  }
  BlasSgemm(/*b_transposed=*/false, g * rows, d, keys, 1.0f, scores, keys, v, d, 0.0f, stacked, d);
}

void FusedBlock(const Shape& s, const Layer& l, int64_t t0, int64_t t1, int kv, float* scratch,
                const KernelTable& kt, float* out) {
  const int d = s.head_dim;
  const int64_t qd = int64_t{s.kv_heads} * s.group * d;
  PrefillAttentionArgs a;
  a.q = &l.q[t0 * qd + int64_t{kv} * s.group * d];
  a.ldq = qd;
  a.heads = s.group;
  a.queries = t1 - t0;
  a.d = d;
  a.first_pos = t0;
  a.k = &l.k[int64_t{kv} * l.tokens * d];
  a.v = &l.v[int64_t{kv} * l.tokens * d];
  a.kv_rows = t1;
  a.scale = 1.0f / std::sqrt(static_cast<float>(d));
  a.out = out + t0 * qd + int64_t{kv} * s.group * d;
  a.ldo = qd;
  a.scratch = scratch;
  kt.prefill_attention(a);
}

// range(0): shape, range(1): tokens, range(2): threads, range(3): level index into
// SupportedKernels() (fused) or -1 (openblas).
void BM_PrefillAttention(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const int64_t tokens = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  const int level = static_cast<int>(state.range(3));
  const std::vector<const KernelTable*> tables = SupportedKernels();
  if (level >= static_cast<int>(tables.size())) {
    state.SkipWithError("level not supported on this CPU");
    return;
  }
  Layer l = MakeLayer(s, tokens);
  const int64_t blocks = (tokens + kBlock - 1) / kBlock;
  const int64_t items = blocks * s.kv_heads;
  const int64_t per_thread =
      level < 0 ? s.group * kBlock * s.head_dim + s.group * kBlock * tokens
                : PrefillAttentionScratchFloats(s.group * kBlock, s.head_dim);
  std::vector<float> scratch(static_cast<size_t>(per_thread * threads));
  KernelContext& ctx = Context(threads);
  for (auto _ : state) {
    std::atomic<int64_t> next{0};
    ctx.pool().ParallelFor(threads, [&](int64_t p0, int64_t p1) {
      for (int64_t part = p0; part < p1; ++part) {
        float* mine = scratch.data() + part * per_thread;
        for (int64_t i = next++; i < items; i = next++) {
          const int64_t b = blocks - 1 - i / s.kv_heads;  // largest (last) blocks first
          const int kv = static_cast<int>(i % s.kv_heads);
          const int64_t t0 = b * kBlock, t1 = std::min(tokens, t0 + kBlock);
          if (level < 0) {
            BlasBlock(s, l, t0, t1, kv, mine);
          } else {
            FusedBlock(s, l, t0, t1, kv, mine, *tables[level], l.out.data());
          }
        }
      }
    });
    benchmark::DoNotOptimize(l.out.data());
  }
  const double pairs = static_cast<double>(s.kv_heads) * s.group * tokens * (tokens + 1) / 2;
  state.counters["GFLOP/s"] = benchmark::Counter(pairs * 4 * s.head_dim * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  const std::string path =
      level < 0 ? std::string("openblas(") + BlasCoreName() + ")" : std::string("fused/") + tables[level]->name;
  state.SetLabel(std::string(s.model) + " T" + std::to_string(tokens) + " threads " +
                 std::to_string(threads) + " " + path);
}

BENCHMARK(BM_PrefillAttention)
    ->ArgsProduct({{0, 1}, {512, 1024, 2048}, {1, 2}, {-1, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace litertlm::bench

BENCHMARK_MAIN();
