// Prefill GEMMs (M = 128 and 512) at Qwen3-0.6B / Gemma3-270m shapes, 1 and 2 threads:
// dynamic_int8 through our int8 GEMM (VNNI on this CPU), dynamic_int8 through "dequantize
// weight panels → OpenBLAS sgemm", dynamic_int4_block32 through the int4 kernel over cache-sized
// weight tiles and through "dequantize → sgemm", dynamic_int4_block128 through the int4 kernel,
// and plain fp32 OpenBLAS sgemm (the baseline); int8a16_gemm is dynamic_int8 with the default
// 16-bit activations, int8_gemm with 8-bit ones; int4b32_rows16 / int4b128_rows16 are int4 in the
// 16-row interleaved layout the loader makes (kInt4Rows16, any M through its own kernel).
// Counter GFLOP/s = 2·M·N·K per second. The label names the kernel level.
//   build/benchmarks/gemm_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only
#include <string>
#include <vector>

#include "bench_common.h"

namespace litertlm::bench {
namespace {

struct Shape {
  const char* model;
  int64_t k, n;
};
const Shape kShapes[] = {{"qwen3", 1024, 2048}, {"qwen3", 1024, 1024}, {"qwen3", 1024, 3072},
                         {"qwen3", 3072, 1024}, {"gemma3", 640, 1024}, {"gemma3", 640, 2048},
                         {"gemma3", 2048, 640}};
// int8_gemm: 8-bit activations; int8a16_gemm: the default 16-bit activations (two int8 rows
// per activation row, KernelContext::Int8Activations).
const char* const kVariants[] = {"int8_gemm",    "int8_dequant_sgemm",    "fp32_sgemm",
                                 "int4b32_gemm", "int4b32_dequant_sgemm", "int4b128_gemm",
                                 "int8a16_gemm", "int4b32_rows16", "int4b128_rows16"};

void BM_Gemm(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const int64_t m = state.range(1);
  const int variant = static_cast<int>(state.range(2));
  const int threads = static_cast<int>(state.range(3));
  const bool rows16 = variant >= 7;  // int4 in the loader's kInt4Rows16 layout
  const DType dtype = variant == 7   ? DType::kI4Block32
                      : variant == 8 ? DType::kI4Block128
                      : variant == 6 ? DType::kI8
                      : variant == 2 ? DType::kF32
                      : variant == 5 ? DType::kI4Block128
                      : variant >= 3 ? DType::kI4Block32
                                     : DType::kI8;
  auto w = MakeBenchMatrix(dtype, true, s.n, s.k, 7, rows16);
  KernelContext& ctx = Context(threads);
  const bool own_kernel = variant == 0 || variant == 3 || variant == 5 || variant >= 6;
  ctx.set_int8_gemm_path(own_kernel ? KernelContext::Int8GemmPath::kInt8
                                    : KernelContext::Int8GemmPath::kDequantSgemm);
  ctx.set_int8_activations(variant == 0 ? KernelContext::Int8Activations::k8Bit
                                        : KernelContext::Int8Activations::k16Bit);
  std::vector<float> x(static_cast<size_t>(m * s.k)), y(static_cast<size_t>(m * s.n));
  uint64_t r = 42;
  for (auto& v : x) v = static_cast<float>(static_cast<int64_t>(NextRandom(r) % 2001) - 1000) * 1e-3f;
  for (auto _ : state) {
    Linear(ctx, w->view, x.data(), m, y.data());
    benchmark::ClobberMemory();
  }
  ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kAuto);
  ctx.set_int8_activations(KernelContext::Int8Activations::k16Bit);
  state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * static_cast<double>(m * s.n * s.k),
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.model) + " M=" + std::to_string(m) + " K=" + std::to_string(s.k) +
                 " N=" + std::to_string(s.n) + " " + kVariants[variant] + " " +
                 std::to_string(threads) + "T " + ctx.kernels().name);
}

// Batched decode (serve): M = 1, 2, 4, 8 sequences with the default 16-bit activations, Gemma 3
// 270M's projections and its 262144-row LM head, the weights streamed from memory.
const Shape kDecodeShapes[] = {{"gemma3", 640, 1024}, {"gemma3", 640, 2048}, {"gemma3", 2048, 640},
                               {"gemma3_lm_head", 640, 262144}};

void BM_DecodeBatch(benchmark::State& state) {
  const Shape& s = kDecodeShapes[state.range(0)];
  const int64_t m = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  // As in a decode step, the weights come from memory, not from a cache: enough copies to
  // make 256 MiB, used in turn.
  const int64_t copies = std::max<int64_t>(1, (int64_t{256} << 20) / (s.n * s.k));
  std::vector<std::unique_ptr<BenchMatrix>> w;
  for (int64_t i = 0; i < copies; ++i) w.push_back(MakeBenchMatrix(DType::kI8, true, s.n, s.k, 7 + static_cast<uint32_t>(i), false));
  KernelContext& ctx = Context(threads);
  ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kInt8);
  std::vector<float> x(static_cast<size_t>(m * s.k)), y(static_cast<size_t>(m * s.n));
  uint64_t r = 42;
  for (auto& v : x) v = static_cast<float>(static_cast<int64_t>(NextRandom(r) % 2001) - 1000) * 1e-3f;
  size_t next = 0;
  for (auto _ : state) {
    Linear(ctx, w[next]->view, x.data(), m, y.data());
    next = (next + 1) % w.size();
    benchmark::ClobberMemory();
  }
  ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kAuto);
  state.counters["GB/s"] = benchmark::Counter(1e-9 * static_cast<double>(s.n * s.k),
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.model) + " M=" + std::to_string(m) + " K=" + std::to_string(s.k) +
                 " N=" + std::to_string(s.n) + " int8a16 " + std::to_string(threads) + "T " +
                 ctx.kernels().name);
}

void Register() {
  for (int shape = 0; shape < static_cast<int>(std::size(kDecodeShapes)); ++shape) {
    for (int64_t m : {1, 2, 4, 8}) {
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark("DecodeBatch", BM_DecodeBatch)
            ->Args({shape, m, threads})
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  for (int shape = 0; shape < static_cast<int>(std::size(kShapes)); ++shape) {
    for (int64_t m : {128, 512}) {
      for (int threads : {1, 2}) {
        for (int variant = 0; variant < static_cast<int>(std::size(kVariants)); ++variant) {
          benchmark::RegisterBenchmark("Gemm", BM_Gemm)
              ->Args({shape, m, variant, threads})
              ->UseRealTime()
              ->Unit(benchmark::kMillisecond);
        }
      }
    }
  }
}

}  // namespace
}  // namespace litertlm::bench

int main(int argc, char** argv) {
  litertlm::bench::Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
