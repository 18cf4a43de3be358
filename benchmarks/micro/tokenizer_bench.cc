// Tokenizer microbenchmarks: tokenizer.json load time and single-threaded encode throughput on
// the 1 MB mixed document (the corpus recipe of tests/tools/make_tokenizer_corpus.py, written
// to a file by benchmarks/tokenizer_compare.py and passed as LITERTLM_BENCH_TEXT).
//   LITERTLM_BENCH_TEXT=/tmp/doc.txt LITERTLM_SHARED_DIR=/work/shared \
//     build/benchmarks/tokenizer_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/tokenizer.h"

namespace {

std::string SharedDir() {
  const char* v = std::getenv("LITERTLM_SHARED_DIR");
  return v ? v : "/work/shared";
}

std::string TokenizerPath(const std::string& model) {
  return SharedDir() + "/fixtures/tokenizers/" + model + "/tokenizer.json";
}

const std::string& BenchText() {
  static const std::string* text = [] {
    const char* path = std::getenv("LITERTLM_BENCH_TEXT");
    std::ifstream in(path ? path : "");
    std::stringstream ss;
    ss << in.rdbuf();
    return new std::string(ss.str());
  }();
  return *text;
}

void BM_Load(benchmark::State& state, const std::string& model) {
  for (auto _ : state) {
    auto tok = litertlm::Tokenizer::FromFile(TokenizerPath(model));
    if (!tok.ok()) {
      state.SkipWithError(tok.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(tok->get());
  }
}

// The tokenizer is created once; its BPE cache warms up in the first iteration (as HF's does).
void BM_Encode(benchmark::State& state, const std::string& model) {
  const std::string& text = BenchText();
  if (text.empty()) {
    state.SkipWithError("set LITERTLM_BENCH_TEXT to the document (benchmarks/tokenizer_compare.py)");
    return;
  }
  auto tok = litertlm::Tokenizer::FromFile(TokenizerPath(model));
  if (!tok.ok()) {
    state.SkipWithError(tok.status().ToString().c_str());
    return;
  }
  size_t count = 0;
  for (auto _ : state) {
    auto ids = (*tok)->Encode(text, false);
    if (!ids.ok()) {
      state.SkipWithError(ids.status().ToString().c_str());
      return;
    }
    count = ids->size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(count);
}

// The same document encoded line by line (one Encode() call per '\n'-separated line).
void BM_EncodeLines(benchmark::State& state, const std::string& model) {
  const std::string& text = BenchText();
  auto tok = litertlm::Tokenizer::FromFile(TokenizerPath(model));
  if (text.empty() || !tok.ok()) {
    state.SkipWithError("no text or tokenizer");
    return;
  }
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(std::string_view(text).substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (auto _ : state) {
    for (std::string_view line : lines) {
      auto ids = (*tok)->Encode(line, false);
      benchmark::DoNotOptimize(ids);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

BENCHMARK_CAPTURE(BM_Load, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_Load, gemma3, std::string("gemma3"))->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_Encode, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_Encode, gemma3, std::string("gemma3"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_EncodeLines, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_EncodeLines, gemma3, std::string("gemma3"))->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
