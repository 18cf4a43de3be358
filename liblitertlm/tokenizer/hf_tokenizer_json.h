// Parses a Hugging Face tokenizer.json into the pipeline parts HfTokenizer runs. RapidJSON parses
// a private copy of the bytes in situ; the vocabulary and merges are copied into hash maps.
// Every error is INVALID_ARGUMENT "<origin>: field '<json path>': <what>" (unknown normalizer /
// pre_tokenizer / model / post_processor / decoder types included); nothing is silently ignored
// except `truncation`/`padding` (batch options that do not change single-text ids).
#ifndef LITERTLM_TOKENIZER_HF_TOKENIZER_JSON_H_
#define LITERTLM_TOKENIZER_HF_TOKENIZER_JSON_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/status.h"
#include "litertlm/types.h"
#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe_merge.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"

namespace litertlm::hf {

// What `add_special_tokens=true` adds around a single sequence (TemplateProcessing `single`,
// BertProcessing/RobertaProcessing cls/sep, ByteLevel: nothing).
struct PostProcessor {
  std::vector<TokenId> prefix;
  std::vector<TokenId> suffix;
};

struct HfTokenizerParts {
  std::unique_ptr<Normalizer> normalizer;  // never null (may be empty)
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  std::vector<AddedToken> added_tokens;
  PostProcessor post_processor;
  std::unique_ptr<Decoder> decoder;
};

// Ids larger than this are rejected (bounds the id → token tables).
inline constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;

StatusOr<HfTokenizerParts> ParseHfTokenizerJson(std::string_view bytes, const std::string& origin);

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_HF_TOKENIZER_JSON_H_
