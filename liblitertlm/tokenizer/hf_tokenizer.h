// Tokenizer for Hugging Face tokenizer.json files (TokenizerKind::kHfTokenizerJson): the
// pipeline of `tokenizers` — added tokens split out, normalizer, pre-tokenizer, BPE,
// post-processor — and its decoder. Produces the same ids and text as `tokenizers` 0.23.
// Thread-safety: immutable after creation; all methods may be called concurrently.
#ifndef LITERTLM_TOKENIZER_HF_TOKENIZER_H_
#define LITERTLM_TOKENIZER_HF_TOKENIZER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/tokenizer.h"
#include "tokenizer/hf_tokenizer_json.h"

namespace litertlm::hf {

class HfTokenizer final : public Tokenizer {
 public:
  // `bytes` is the tokenizer.json content; `origin` names it in errors.
  static StatusOr<std::unique_ptr<HfTokenizer>> Create(std::string_view bytes,
                                                       const std::string& origin);

  TokenizerKind kind() const override { return TokenizerKind::kHfTokenizerJson; }
  StatusOr<std::vector<TokenId>> Encode(std::string_view text,
                                        bool add_special_tokens) const override;
  StatusOr<std::string> Decode(std::span<const TokenId> ids,
                               bool skip_special_tokens) const override;
  int vocab_size() const override { return vocab_size_; }
  std::optional<std::string> IdToToken(TokenId id) const override;
  std::optional<TokenId> TokenToId(std::string_view token) const override;
  bool IsSpecial(TokenId id) const override;
  std::optional<TokenId> bos_id() const override { return bos_id_; }
  std::optional<TokenId> eos_id() const override { return eos_id_; }

  // BOS/EOS as declared by tokenizer_config.json (bos_token/eos_token), resolved to ids.
  void SetSpecialTokenIds(std::optional<TokenId> bos, std::optional<TokenId> eos) {
    bos_id_ = bos;
    eos_id_ = eos;
  }

 private:
  explicit HfTokenizer(HfTokenizerParts parts);
  Status EncodeSegment(std::string_view segment, std::vector<TokenId>* out) const;
  Status EncodeNormalized(std::string_view text, std::vector<TokenId>* out) const;

  HfTokenizerParts parts_;
  AddedVocabulary added_;
  int vocab_size_ = 0;
  std::optional<TokenId> bos_id_;
  std::optional<TokenId> eos_id_;
};

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_HF_TOKENIZER_H_
