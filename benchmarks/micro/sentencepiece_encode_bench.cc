// Encode throughput of the native SentencePiece tokenizer on the ~1 MB mixed document of the
// committed Gemma 3 corpus (English, CJK, Arabic, Hindi, emoji, code, URLs, whitespace runs,
// special-token strings). Compare with python sentencepiece via
// benchmarks/tokenizer_spm_compare.py.
//   LITERTLM_GOLDEN_DIR=tests/golden build/benchmarks/sentencepiece_encode_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../../tests/spm_reference/spm_corpus.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace {

struct Fixture {
  std::unique_ptr<litertlm::Tokenizer> tokenizer;
  std::string document;  // the corpus's largest entry (~1 MB)
  std::vector<std::string> short_texts;
};

const Fixture* Load() {
  static const Fixture* fixture = []() -> const Fixture* {
    std::ifstream in(spm_corpus::GoldenPath("gemma3_tokenizer.model"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto tok = litertlm::CreateSentencePieceTokenizer(ss.str(), "gemma3_tokenizer.model");
    std::vector<spm_corpus::Entry> corpus;
    std::string error;
    if (!tok.ok() || !spm_corpus::ReadCorpus(spm_corpus::GoldenPath("gemma3_corpus.jsonl.gz"),
                                             &corpus, &error)) {
      return nullptr;
    }
    auto* f = new Fixture;
    f->tokenizer = std::move(*tok);
    for (auto& e : corpus) {
      if (e.text.size() > f->document.size()) f->document = e.text;
      if (e.text.size() < 2000) f->short_texts.push_back(e.text);
    }
    return f;
  }();
  return fixture;
}

void BM_SentencePieceEncodeDocument(benchmark::State& state) {
  const Fixture* f = Load();
  if (f == nullptr) {
    state.SkipWithError("set LITERTLM_GOLDEN_DIR to tests/golden");
    return;
  }
  size_t ids = 0;
  for (auto _ : state) {
    auto out = f->tokenizer->Encode(f->document);
    ids = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f->document.size()));
  state.counters["ids"] = static_cast<double>(ids);
}
BENCHMARK(BM_SentencePieceEncodeDocument)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_SentencePieceEncodeShortStrings(benchmark::State& state) {
  const Fixture* f = Load();
  if (f == nullptr) {
    state.SkipWithError("set LITERTLM_GOLDEN_DIR to tests/golden");
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& t : f->short_texts) {
      auto out = f->tokenizer->Encode(t);
      benchmark::DoNotOptimize(out);
      bytes += t.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_SentencePieceEncodeShortStrings)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
