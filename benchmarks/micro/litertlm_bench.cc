// .litertlm container costs on a Qwen3-0.6B-shaped int8 file (28 layers, 311 tensors, ~0.6 GB
// weights with random-free constant bytes): streaming write throughput and open+validate latency.
// The file is written once to $LITERTLM_BENCH_DIR (default /tmp) and removed at exit.
//   build/benchmarks/litertlm_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "format/litertlm_reader.h"
#include "format/litertlm_weight_source.h"
#include "format/litertlm_writer.h"
#include "format/llm_metadata.pb.h"
#include "format/weights_layout.h"

namespace litertlm::format {
namespace {

struct Spec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
};

std::vector<Spec> Qwen3Shapes() {
  std::vector<Spec> specs = {{"model.embed_tokens.weight", DType::kI8, {151936, 1024}},
                             {"model.norm.weight", DType::kF32, {1024}}};
  for (int i = 0; i < 28; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    specs.push_back({p + "self_attn.q_proj.weight", DType::kI8, {2048, 1024}});
    specs.push_back({p + "self_attn.k_proj.weight", DType::kI8, {1024, 1024}});
    specs.push_back({p + "self_attn.v_proj.weight", DType::kI8, {1024, 1024}});
    specs.push_back({p + "self_attn.o_proj.weight", DType::kI8, {1024, 2048}});
    specs.push_back({p + "self_attn.q_norm.weight", DType::kF32, {128}});
    specs.push_back({p + "self_attn.k_norm.weight", DType::kF32, {128}});
    specs.push_back({p + "mlp.gate_proj.weight", DType::kI8, {3072, 1024}});
    specs.push_back({p + "mlp.up_proj.weight", DType::kI8, {3072, 1024}});
    specs.push_back({p + "mlp.down_proj.weight", DType::kI8, {1024, 3072}});
    specs.push_back({p + "input_layernorm.weight", DType::kF32, {1024}});
    specs.push_back({p + "post_attention_layernorm.weight", DType::kF32, {1024}});
  }
  return specs;
}

std::string BenchPath() {
  const char* dir = std::getenv("LITERTLM_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/litertlm_bench_qwen3_shaped.litertlm";
}

// Streams every tensor from one reused buffer (as a converter streams one tensor at a time).
uint64_t WriteFile(const std::string& path) {
  auto writer = LitertlmWriter::Create(path);
  if (!writer.ok()) std::abort();
  LitertlmWriter& w = **writer;
  litert::lm::proto::LlmMetadata metadata;
  metadata.set_max_num_tokens(1280);
  if (!w.AddLlmMetadata(metadata).ok() || !w.AddHfConfigJson("{}").ok() ||
      !w.AddHfTokenizerJson("{}").ok() || !w.BeginWeights().ok()) {
    std::abort();
  }
  std::vector<uint8_t> data(151936ull * 1024, 1);  // the largest tensor
  std::vector<float> scales(151936, 0.01f);
  for (const Spec& s : Qwen3Shapes()) {
    auto sizes = ComputeTensorByteSizes(s.dtype, s.shape, s.name);
    TensorView view;
    view.dtype = s.dtype;
    view.shape = s.shape;
    view.data = {data.data(), sizes->data};
    view.scales = {scales.data(), sizes->scales / 4};
    if (!w.AddTensor(s.name, view).ok()) std::abort();
  }
  if (!w.EndWeights().ok() || !w.Finish().ok()) std::abort();
  return w.bytes_written();
}

void BM_WriteQwen3ShapedInt8(benchmark::State& state) {
  uint64_t bytes = 0;
  for (auto _ : state) bytes += WriteFile(BenchPath());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_WriteQwen3ShapedInt8)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_OpenAndValidateQwen3ShapedInt8(benchmark::State& state) {
  WriteFile(BenchPath());
  for (auto _ : state) {
    auto source = LitertlmWeightSource::Open(BenchPath());
    if (!source.ok()) state.SkipWithError(source.status().message().c_str());
    benchmark::DoNotOptimize(source);
  }
  std::remove(BenchPath().c_str());
}
BENCHMARK(BM_OpenAndValidateQwen3ShapedInt8)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace litertlm::format

BENCHMARK_MAIN();
