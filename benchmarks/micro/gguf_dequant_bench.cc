// Dequantization throughput per GGML type (elements/s), on random blocks with finite f16 scales.
//   build/benchmarks/gguf_dequant_bench
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "format/gguf_dequant.h"
#include "util/half.h"

namespace litertlm {
namespace {

void BM_Dequantize(benchmark::State& state) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(state.range(0)));
  const int64_t n = 1 << 20;  // elements
  std::vector<uint8_t> src(static_cast<size_t>(n / t->block_size * t->type_size));
  std::mt19937 rng(1);
  for (auto& b : src) b = static_cast<uint8_t>(rng());
  // Keep every 2-byte word a small finite f16 so no NaN/Inf paths are timed.
  for (size_t i = 0; i + 1 < src.size(); i += 2) {
    uint16_t h = F32ToF16(static_cast<float>(rng() % 1000) * 1e-5f);
    std::memcpy(&src[i], &h, 2);
  }
  std::vector<float> dst(static_cast<size_t>(n));
  for (auto _ : state) {
    Status s = DequantizeGgml(*t, src, dst, "bench");
    benchmark::DoNotOptimize(dst.data());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(std::string(t->name));
}

BENCHMARK(BM_Dequantize)
    ->Arg(static_cast<int>(GgmlType::kF16))
    ->Arg(static_cast<int>(GgmlType::kBF16))
    ->Arg(static_cast<int>(GgmlType::kQ4_0))
    ->Arg(static_cast<int>(GgmlType::kQ5_0))
    ->Arg(static_cast<int>(GgmlType::kQ8_0))
    ->Arg(static_cast<int>(GgmlType::kQ2_K))
    ->Arg(static_cast<int>(GgmlType::kQ3_K))
    ->Arg(static_cast<int>(GgmlType::kQ4_K))
    ->Arg(static_cast<int>(GgmlType::kQ5_K))
    ->Arg(static_cast<int>(GgmlType::kQ6_K));

}  // namespace
}  // namespace litertlm
BENCHMARK_MAIN();
