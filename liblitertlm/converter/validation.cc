#include "converter/validation.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "session/context_state.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

// Public-domain-style sentences covering prose, a question, code-ish text and digits.
constexpr std::string_view kTexts[] = {
    "The quick brown fox jumps over the lazy dog while the farmer walks slowly back to the old "
    "house on the hill, where the evening light falls across the fields.",
    "What is the capital of France? The capital of France is Paris, a city on the river Seine "
    "that is known for its museums, its cafes and its long history.",
    "def add(a, b):\n    return a + b\n\nfor i in range(10):\n    print(add(i, 2 * i))\n",
    "In 1969, 3 astronauts flew 384400 km to the Moon; the mission lasted 8 days, 3 hours and "
    "18 minutes, and it was watched by about 650 million people.",
};

// log-softmax in double.
void LogSoftmax(const float* x, int n, std::vector<double>& out) {
  out.resize(n);
  const double mx = *std::max_element(x, x + n);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - mx);
  const double lse = mx + std::log(sum);
  for (int i = 0; i < n; ++i) out[i] = x[i] - lse;
}

}  // namespace

StatusOr<std::vector<std::vector<TokenId>>> MakeValidationPrompts(const Tokenizer& tokenizer,
                                                                  const ModelConfig& config,
                                                                  int max_context) {
  const int length = std::min(kPromptTokens, max_context);
  if (length < 2) return InvalidArgumentError("validation needs a context of at least 2 tokens");
  std::vector<std::vector<TokenId>> prompts;
  for (std::string_view text : kTexts) {
    ASSIGN_OR_RETURN(std::vector<TokenId> ids, tokenizer.Encode(text));
    if (ids.empty()) return InternalError("the tokenizer encoded a validation prompt to nothing");
    std::vector<TokenId> prompt;
    if (config.bos_token_id) prompt.push_back(*config.bos_token_id % config.vocab_size);
    while (static_cast<int>(prompt.size()) < length) {
      for (TokenId id : ids) {
        if (static_cast<int>(prompt.size()) == length) break;
        prompt.push_back(id % config.vocab_size);
      }
    }
    prompts.push_back(std::move(prompt));
  }
  return prompts;
}

StatusOr<std::vector<std::vector<float>>> RunPrompts(
    const Model::Impl& model, const std::vector<std::vector<TokenId>>& prompts, int num_threads) {
  if (num_threads < 0) return InvalidArgumentError("num_threads must be ≥ 0");
  int max_context = 0;  // a KV cache no larger than the prompts need
  for (const auto& p : prompts) max_context = std::max(max_context, static_cast<int>(p.size()));
  const int limit = model.info.max_context;
  max_context = max_context == 0 ? limit : std::min(max_context, limit);
  ContextState state(model, max_context, num_threads > 0 ? num_threads : model.options.num_threads);
  std::vector<std::vector<float>> all;
  for (const std::vector<TokenId>& prompt : prompts) {
    state.Truncate(0);
    std::vector<float> logits;
    RETURN_IF_ERROR(state.Append(prompt, &logits));
    all.push_back(std::move(logits));
  }
  return all;
}

void LogitComparison::Add(std::span<const float> source, std::span<const float> converted) {
  std::vector<double> ls, lc;
  const size_t n = source.size() / vocab_;
  for (size_t row = 0; row < n; ++row) {
    const float* s = source.data() + row * vocab_;
    const float* c = converted.data() + row * vocab_;
    agree_ += std::max_element(s, s + vocab_) - s == std::max_element(c, c + vocab_) - c;
    LogSoftmax(s, vocab_, ls);
    LogSoftmax(c, vocab_, lc);
    double kl = 0;
    for (int i = 0; i < vocab_; ++i) {
      kl += std::exp(ls[i]) * (ls[i] - lc[i]);
      max_diff_ = std::max(max_diff_, static_cast<double>(std::fabs(s[i] - c[i])));
    }
    kl_sum_ += std::max(0.0, kl);
    ++positions_;
  }
}

ValidationReport LogitComparison::Report(double threshold) const {
  ValidationReport r;
  r.prompts = prompts_;
  r.positions = positions_;
  r.top1_agreement = positions_ ? static_cast<double>(agree_) / positions_ : 0;
  r.mean_kl = positions_ ? kl_sum_ / positions_ : 0;
  r.max_abs_logit_diff = max_diff_;
  r.threshold = threshold;
  r.passed = positions_ > 0 && r.top1_agreement >= threshold;
  return r;
}

}  // namespace litertlm::converter
