// Decode GEMVs (M = 1) at the Qwen3-0.6B and Gemma3-270m shapes, every weight format, 1 and 2
// threads, plus OpenBLAS sgemv on fp32 (the baseline) and a read-bandwidth probe at the start
// and end of the run. Weights cycle through enough copies (≥ 96 MiB) to come from DRAM.
// Counter GB/s = weight bytes (incl. scales) streamed per second.
//   build/benchmarks/gemv_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <map>
#include <string>
#include <vector>

#include "bench_common.h"

namespace litertlm::bench {
namespace {

struct Shape {
  const char* model;
  int64_t k, n;
};
const Shape kShapes[] = {
    {"qwen3", 1024, 2048}, {"qwen3", 1024, 1024}, {"qwen3", 2048, 1024},  {"qwen3", 1024, 3072},
    {"qwen3", 3072, 1024}, {"qwen3", 1024, 151936}, {"gemma3", 640, 1024}, {"gemma3", 640, 256},
    {"gemma3", 1024, 640}, {"gemma3", 640, 2048},  {"gemma3", 2048, 640},  {"gemma3", 640, 262144}};

struct Format {
  const char* name;
  DType dtype;
  bool dynamic;
  bool rows16 = false;  // int4 in kInt4Rows16 (the loader's layout) rather than kPacked4x64
  bool qd8 = false;     // Matrix::asymmetric_activations (Google's int4 files)
};
const Format kFormats[] = {{"dynamic_int8", DType::kI8, true},
                           {"int8_weight_only", DType::kI8, false},
                           {"dynamic_int4_block32", DType::kI4Block32, true},
                           {"dynamic_int4_block128", DType::kI4Block128, true},
                           {"fp16", DType::kF16, true},
                           {"fp32_openblas_sgemv", DType::kF32, true},
                           // dynamic_int8 with 8-bit activations (KernelContext::Int8Activations;
                           // "dynamic_int8" above runs the default, 16-bit activations).
                           {"dynamic_int8_a8", DType::kI8, true},
                           // int4 in the 16-row interleaved layout the loader now makes
                           // (the two dynamic_int4 rows above are the kPacked4x64 kernels).
                           {"dynamic_int4_block32_rows16", DType::kI4Block32, true, true},
                           {"dynamic_int4_block128_rows16", DType::kI4Block128, true, true},
                           // Google-file int4 (XNNPACK qd8 activations): kPacked4x64 route
                           // (rounded activations × dequantized weights, sgemv) vs kInt4Rows16.
                           {"qd8_int4_block32_dequant", DType::kI4Block32, true, false, true},
                           {"qd8_int4_block32_rows16", DType::kI4Block32, true, true, true}};

// Copies of every format for the current shape (freed when the shape changes).
std::vector<std::unique_ptr<BenchMatrix>>& Copies(int shape, int format) {
  static int current = -1;
  static std::map<int, std::vector<std::unique_ptr<BenchMatrix>>> cache;
  if (current != shape) {
    cache.clear();
    current = shape;
  }
  auto& v = cache[format];
  if (v.empty()) {
    const Shape& s = kShapes[shape];
    const Format& f = kFormats[format];
    v.push_back(MakeBenchMatrix(f.dtype, f.dynamic, s.n, s.k, 1, f.rows16));
    v[0]->view.asymmetric_activations = f.qd8;
    const int64_t copies = std::max<int64_t>(1, ((int64_t{96} << 20) + v[0]->weight_bytes - 1) / v[0]->weight_bytes);
    for (int64_t c = 1; c < copies; ++c) {
      v.push_back(MakeBenchMatrix(f.dtype, f.dynamic, s.n, s.k, static_cast<uint64_t>(c + 1), f.rows16));
      v.back()->view.asymmetric_activations = f.qd8;
    }
  }
  return v;
}

void BM_Gemv(benchmark::State& state) {
  const int shape = static_cast<int>(state.range(0));
  const int format = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const Shape& s = kShapes[shape];
  auto& copies = Copies(shape, format);
  KernelContext& ctx = Context(threads);
  const bool a8 = std::string(kFormats[format].name) == "dynamic_int8_a8";
  ctx.set_int8_activations(a8 ? KernelContext::Int8Activations::k8Bit
                              : KernelContext::Int8Activations::k16Bit);
  std::vector<float> x(static_cast<size_t>(s.k)), y(static_cast<size_t>(s.n));
  uint64_t r = 42;
  for (auto& v : x) v = static_cast<float>(static_cast<int64_t>(NextRandom(r) % 2001) - 1000) * 1e-3f;
  size_t i = 0;
  for (auto _ : state) {
    Linear(ctx, copies[i]->view, x.data(), 1, y.data());
    benchmark::ClobberMemory();
    if (++i == copies.size()) i = 0;
  }
  ctx.set_int8_activations(KernelContext::Int8Activations::k16Bit);
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(copies[0]->weight_bytes) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.model) + " K=" + std::to_string(s.k) + " N=" + std::to_string(s.n) + " " +
                 kFormats[format].name + " " + std::to_string(threads) + "T " + ctx.kernels().name);
}

// Load-time cost of the int4 re-layout (PackInt4Rows16) from the file's kPacked4x64, per matrix
// shape; GB/s = packed int4 bytes (weights + scales) produced per second.
void BM_PackInt4Rows16(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  auto src = MakeBenchMatrix(DType::kI4Block32, true, s.n, s.k, 3);
  for (auto _ : state) {
    auto packed = PackInt4Rows16(src->view);
    benchmark::DoNotOptimize(packed);
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(src->weight_bytes) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.model) + " K=" + std::to_string(s.k) + " N=" + std::to_string(s.n) +
                 " int4_block32 kPacked4x64 -> kInt4Rows16");
}

void Register() {
  for (int shape : {0, 4, 9, 10}) {
    benchmark::RegisterBenchmark("PackInt4Rows16", BM_PackInt4Rows16)->Arg(shape)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  auto bw = [](const char* name) {
    benchmark::RegisterBenchmark(name, ReadBandwidth)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  bw("ReadBandwidth/start");
  for (int shape = 0; shape < static_cast<int>(std::size(kShapes)); ++shape) {
    for (int threads : {1, 2}) {
      for (int format = 0; format < static_cast<int>(std::size(kFormats)); ++format) {
        benchmark::RegisterBenchmark("Gemv", BM_Gemv)
            ->Args({shape, format, threads})
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  bw("ReadBandwidth/end");
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
