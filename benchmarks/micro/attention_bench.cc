// Decode attention (one query token) over a whole KV cache at the Qwen3-0.6B shapes (28 layers ×
// 8 KV heads × head_dim 128, GQA group of 2 query heads) and the Gemma3-1B global layers' (1 KV
// head × 256, group of 4), for each cache dtype: per (layer, KV head) the few-query scores and
// accumulate kernels of AttentionOps (softmax excluded), 1 and 2 threads (KV heads split between
// them; the Gemma shape has one, so its 2-thread rows run on one). The caches are larger
// than the last-level cache, so keys and values come from DRAM as in decode.
// Counter GB/s = cache bytes (values + int8 scales) read per second.
//   build/benchmarks/attention_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <memory>
#include <random>
#include <vector>

#include "bench_common.h"
#include "kernels/attention_ops.h"
#include "model/kv_cache.h"

namespace litertlm::bench {
namespace {

struct Shape {
  const char* model;
  int layers, kv_heads, head_dim, group;
};
const Shape kShapes[] = {{"qwen3-0.6b", 28, 8, 128, 2}, {"gemma3-1b-global", 26, 1, 256, 4}};
const KvDType kDTypes[] = {KvDType::kF32, KvDType::kF16, KvDType::kQ8};
const char* const kDTypeNames[] = {"f32", "f16", "int8"};

// A cache of `context` random positions for every layer (written through KvCache::Write, so
// each dtype holds its own rounding of the same values).
std::unique_ptr<KvCache> MakeCache(const Shape& s, KvDType dtype, int context) {
  auto cache = std::make_unique<KvCache>(s.layers, s.kv_heads, s.head_dim, context, dtype);
  cache->Reserve(context);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> k(static_cast<size_t>(s.kv_heads) * s.head_dim), v(k.size());
  for (int l = 0; l < s.layers; ++l) {
    for (int p = 0; p < context; ++p) {
      for (size_t i = 0; i < k.size(); ++i) {
        k[i] = dist(rng);
        v[i] = dist(rng);
      }
      cache->Write(l, p, k.data(), v.data());
    }
  }
  cache->SetNumTokens(context);
  return cache;
}

// One (layer, KV head): scores of the group's query rows, then the weighted sum of values.
void Attend(const KvCache& c, int layer, int h, const float* q, int rows, int64_t n, float* p,
            float* out) {
  const AttentionOps& ops = ActiveAttentionOps();
  const int d = c.head_dim();
  switch (c.dtype()) {
    case KvDType::kF32:
      ops.scores_f32(q, d, rows, c.KeyF32(layer, h, 0), d, n, d, 0.1f, p, n);
      ops.accumulate_f32(p, n, rows, c.ValueF32(layer, h, 0), d, n, d, out, d);
      break;
    case KvDType::kF16:
      ops.scores_f16(q, d, rows, c.KeyF16(layer, h, 0), d, n, d, 0.1f, p, n);
      ops.accumulate_f16(p, n, rows, c.ValueF16(layer, h, 0), d, n, d, out, d);
      break;
    case KvDType::kQ8:
      ops.scores_q8(q, d, rows, c.KeyQ8(layer, h, 0), c.KeyScales(layer, h, 0), n, d,
                    c.q8_block(), 0.1f, p, n);
      ops.accumulate_q8(p, n, rows, c.ValueQ8(layer, h, 0), c.ValueScales(layer, h, 0), n, d,
                        c.q8_block(), out, d);
      break;
  }
}

void BM_DecodeAttention(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const KvDType dtype = kDTypes[state.range(1)];
  const int context = static_cast<int>(state.range(2));
  const int threads = static_cast<int>(state.range(3));
  static std::unique_ptr<KvCache> cache;
  static int64_t cached_key = -1;
  const int64_t key = (state.range(0) * 3 + state.range(1)) * 100000 + context;
  if (cached_key != key) {
    cache.reset();
    cache = MakeCache(s, dtype, context);
    cached_key = key;
  }
  const int d = s.head_dim, rows = s.group;
  std::vector<float> q(static_cast<size_t>(rows) * d, 0.01f);
  std::vector<float> p(static_cast<size_t>(threads) * rows * context);
  std::vector<float> out(static_cast<size_t>(threads) * rows * d);
  KernelContext& ctx = Context(threads);
  for (auto _ : state) {
    for (int l = 0; l < s.layers; ++l) {  // layer by layer, as in decode
      ctx.pool().ParallelFor(s.kv_heads, [&](int64_t h0, int64_t h1) {
        const int64_t t = h0 * threads / s.kv_heads;
        for (int64_t h = h0; h < h1; ++h) {
          Attend(*cache, l, static_cast<int>(h), q.data(), rows, context,
                 p.data() + t * rows * context, out.data() + t * rows * d);
        }
      });
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(cache->bytes()) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.model) + " " + kDTypeNames[state.range(1)] + " ctx " +
                 std::to_string(context) + " T" + std::to_string(threads));
}

BENCHMARK(ReadBandwidth)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DecodeAttention)
    ->ArgsProduct({{0, 1}, {0, 1, 2}, {1024, 4096}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace litertlm::bench

BENCHMARK_MAIN();
