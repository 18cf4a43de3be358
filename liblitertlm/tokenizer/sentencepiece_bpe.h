// SentencePiece BPE encoding of normalized text, as libsentencepiece's bpe::Model::Encode does it:
// the text starts as one symbol per UTF-8 character (a user-defined piece found by longest prefix
// match is one frozen symbol); adjacent symbols whose concatenation is a piece are merged, always
// the pair whose merged piece has the highest score first (leftmost on ties), with a priority
// queue — O(n log n). UNUSED pieces formed by a merge are split back into their parts. Symbols
// that are not pieces become their UTF-8 bytes (<0xNN> pieces) with byte_fallback, else <unk>
// (a run of adjacent unknown symbols is one <unk>, as libsentencepiece's processor merges them).
//
// Immutable after construction; Encode() is thread-safe. `model` must outlive the encoder.
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_BPE_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_BPE_H_

#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tokenizer/sentencepiece_encoder.h"
#include "tokenizer/sentencepiece_model.h"
#include "tokenizer/sentencepiece_trie.h"

namespace litertlm::spm {

class BpeEncoder final : public SegmentEncoder {
 public:
  explicit BpeEncoder(const SentencePieceModel& model);

  // Appends the ids of `normalized` (output of the normalizer) to `ids`.
  void Encode(std::string_view normalized, std::vector<int>* ids) const override;

 private:
  struct Symbol {
    int prev;
    int next;
    bool freeze;
    std::string_view piece;
  };
  using RevMerge =
      absl::flat_hash_map<std::string_view, std::pair<std::string_view, std::string_view>>;

  std::vector<Symbol> InitialSymbols(std::string_view normalized) const;
  void Emit(std::string_view piece, const RevMerge& rev_merge, bool* prev_unk,
            std::vector<int>* ids) const;

  const SentencePieceModel& model_;
  PieceIndex index_;
  PieceTrie user_defined_;
  bool has_unused_ = false;
};

}  // namespace litertlm::spm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_BPE_H_
