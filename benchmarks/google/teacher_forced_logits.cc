// teacher_forced_logits: the logits liblitertlm computes at every step of a given token sequence,
// written as raw float32 rows, so that a script can set them beside another engine's (Google's
// TFLite interpreter on the same file: benchmarks/google/real_model_check.py).
//
//   teacher_forced_logits MODEL OUT.f32 exact|google PROMPT_IDS CONTINUATION_IDS [THREADS]
//
// PROMPT_IDS and CONTINUATION_IDS are comma-separated token ids. The prompt is prefilled, then the
// continuation is fed one token at a time. Row 0 holds the logits after the prompt, row i the
// logits after continuation token i-1: as many rows as continuation tokens, each vocab floats.
// Prints one JSON line: rows, vocab and the greedy token of every row.
#include <litertlm/litertlm.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace {

std::vector<litertlm::TokenId> ParseIds(const std::string& text) {
  std::vector<litertlm::TokenId> ids;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    ids.push_back(static_cast<litertlm::TokenId>(std::strtol(text.substr(start, end - start).c_str(), nullptr, 10)));
    start = end + 1;
  }
  return ids;
}

int Fail(const litertlm::Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::fprintf(stderr, "usage: %s MODEL OUT.f32 exact|google PROMPT_IDS CONTINUATION_IDS [THREADS]\n", argv[0]);
    return 2;
  }
  litertlm::LoadOptions options;
  auto mode = litertlm::ParseInt8Activations(argv[3]);
  if (!mode.ok()) return Fail(mode.status());
  options.int8_activations = *mode;
  if (argc == 7) options.num_threads = std::atoi(argv[6]);
  const auto prompt = ParseIds(argv[4]);
  const auto continuation = ParseIds(argv[5]);
  if (prompt.empty() || continuation.empty()) {
    std::fprintf(stderr, "PROMPT_IDS and CONTINUATION_IDS must each hold at least one id\n");
    return 2;
  }
  auto model = litertlm::ModelLoader::Load(argv[1], options);
  if (!model.ok()) return Fail(model.status());
  auto session = litertlm::Session::Create(*model);
  if (!session.ok()) return Fail(session.status());
  std::ofstream out(argv[2], std::ios::binary);
  if (!out) {
    std::fprintf(stderr, "%s: cannot open for writing\n", argv[2]);
    return 1;
  }
  if (auto s = (*session)->Prefill(prompt); !s.ok()) return Fail(s);
  const size_t vocab = (*session)->LastLogits().size();
  std::string greedy;
  for (size_t i = 0; i < continuation.size(); ++i) {
    auto logits = (*session)->LastLogits();
    out.write(reinterpret_cast<const char*>(logits.data()), static_cast<std::streamsize>(logits.size() * sizeof(float)));
    const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
    if (i > 0) greedy.push_back(',');
    greedy.append(std::to_string(best));
    if (i + 1 < continuation.size()) {
      if (auto s = (*session)->Prefill(std::span(&continuation[i], 1)); !s.ok()) return Fail(s);
    }
  }
  if (!out.flush()) {
    std::fprintf(stderr, "%s: write failed\n", argv[2]);
    return 1;
  }
  std::printf("{\"rows\": %zu, \"vocab\": %zu, \"greedy\": [%s]}\n", continuation.size(), vocab, greedy.c_str());
  return 0;
}
