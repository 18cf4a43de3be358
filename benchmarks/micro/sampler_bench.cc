// Sampler cost per token on a 262,144-wide vocabulary (Gemma3's), single thread.
//   ./build/benchmarks/sampler_bench
// Logits: approximately normal noise (σ≈1.5) plus 32 boosted ids (+8..+16), a peaked shape like a
// language model's; "flat" variants use the noise alone (worst case for nucleus selection).
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "litertlm/sampler.h"
#include "sampling/rng.h"

namespace litertlm {
namespace {

constexpr size_t kVocab = 262144;

std::vector<float> MakeLogits(bool peaked) {
  Xoshiro256StarStar r(2026);
  std::vector<float> v(kVocab);
  for (float& x : v) {
    double s = 0;
    for (int i = 0; i < 4; ++i) s += r.NextDouble();
    x = static_cast<float>((s - 2.0) * 2.6);  // variance of the sum is 1/3 → σ ≈ 1.5
  }
  if (peaked) {
    for (int i = 0; i < 32; ++i) v[r.Next() % kVocab] += 8.0f + static_cast<float>(i) * 0.25f;
  }
  return v;
}

void Run(benchmark::State& state, SamplerOptions options, bool peaked) {
  std::vector<float> logits = MakeLogits(peaked);
  auto sampler = Sampler::Create(options);
  if (!sampler.ok()) {
    state.SkipWithError(sampler.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize((*sampler)->Sample(logits));
  }
  state.SetItemsProcessed(state.iterations());
}

SamplerOptions Opts(float t, int k, float p) {
  SamplerOptions o;
  o.temperature = t;
  o.top_k = k;
  o.top_p = p;
  o.seed = 1;
  return o;
}

void BM_Greedy(benchmark::State& s) { Run(s, Opts(0.0f, 0, 1.0f), true); }
void BM_TopK40_TopP095(benchmark::State& s) { Run(s, Opts(1.0f, 40, 0.95f), true); }
void BM_TopK20_TopP095_T06(benchmark::State& s) { Run(s, Opts(0.6f, 20, 0.95f), true); }
void BM_TopP095_NoTopK(benchmark::State& s) { Run(s, Opts(1.0f, 0, 0.95f), true); }
void BM_Temperature_FullVocab(benchmark::State& s) { Run(s, Opts(1.0f, 0, 1.0f), true); }
void BM_TopK40_TopP095_Flat(benchmark::State& s) { Run(s, Opts(1.0f, 40, 0.95f), false); }
void BM_TopP095_NoTopK_Flat(benchmark::State& s) { Run(s, Opts(1.0f, 0, 0.95f), false); }

BENCHMARK(BM_Greedy);
BENCHMARK(BM_TopK40_TopP095);
BENCHMARK(BM_TopK20_TopP095_T06);
BENCHMARK(BM_TopP095_NoTopK);
BENCHMARK(BM_Temperature_FullVocab);
BENCHMARK(BM_TopK40_TopP095_Flat);
BENCHMARK(BM_TopP095_NoTopK_Flat);

}  // namespace
}  // namespace litertlm

BENCHMARK_MAIN();
