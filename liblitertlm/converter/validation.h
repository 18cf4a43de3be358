// "A conversion proves itself": the fp32 source and the converted weights run the same fixed
// prompts; per position we compare the next-token distributions (top-1 agreement, KL(source ||
// converted), max |Δlogit|).
//
// Prompts: fixed English sentences encoded with the model's own tokenizer (ids ≥ vocab_size are
// folded into the vocabulary, so tiny test tokenizers work too), BOS first when the model has
// one, each prompt repeated up to kPromptTokens tokens and clipped to the context: a few hundred
// positions in total. Deterministic: the same model and tokenizer give the same ids.
#ifndef LITERTLM_CONVERTER_VALIDATION_H_
#define LITERTLM_CONVERTER_VALIDATION_H_

#include <memory>
#include <span>
#include <vector>

#include "format/model_config.h"
#include "litertlm/converter.h"
#include "litertlm/status.h"
#include "litertlm/tokenizer.h"
#include "model/loaded_model.h"

namespace litertlm::converter {

inline constexpr int kPromptTokens = 72;

StatusOr<std::vector<std::vector<TokenId>>> MakeValidationPrompts(const Tokenizer& tokenizer,
                                                                  const ModelConfig& config,
                                                                  int max_context);

// Every position's logits for each prompt: result[p] is prompts[p].size() × vocab, row-major.
// Runs each prompt from an empty context (session/context_state.h), as a Session on `model`
// with max_context = the longest prompt and `num_threads` (0 = the model's) would.
StatusOr<std::vector<std::vector<float>>> RunPrompts(
    const Model::Impl& model, const std::vector<std::vector<TokenId>>& prompts, int num_threads);

// Accumulates the comparison position by position.
class LogitComparison {
 public:
  explicit LogitComparison(int vocab_size) : vocab_(vocab_size) {}
  // `source` and `converted`: n × vocab logits of the same positions.
  void Add(std::span<const float> source, std::span<const float> converted);
  void EndPrompt() { ++prompts_; }
  ValidationReport Report(double threshold) const;

 private:
  int vocab_;
  int prompts_ = 0;
  int positions_ = 0;
  int agree_ = 0;
  double kl_sum_ = 0;
  double max_diff_ = 0;
};

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_VALIDATION_H_
