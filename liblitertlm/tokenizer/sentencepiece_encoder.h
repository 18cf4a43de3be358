// What SentencePiece model encoders share (BPE today): the interface the tokenizer calls,
// libsentencepiece's piece lookup, and the processor's treatment of unknown pieces.
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_ENCODER_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_ENCODER_H_

#include <array>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tokenizer/sentencepiece_model.h"

namespace litertlm::spm {

// Encodes normalized text (the normalizer's output) into ids. Implementations are immutable after
// construction and thread-safe; they refer to the model they were built from, which must outlive
// them.
class SegmentEncoder {
 public:
  virtual ~SegmentEncoder() = default;
  virtual void Encode(std::string_view normalized, std::vector<int>* ids) const = 0;
};

// Piece lookup as libsentencepiece's ModelInterface does it, plus the ids of the byte pieces.
class PieceIndex {
 public:
  explicit PieceIndex(const SentencePieceModel& model);

  // CONTROL/UNKNOWN/BYTE pieces first, then NORMAL/USER_DEFINED/UNUSED; else the unk id.
  int PieceToId(std::string_view piece) const;
  // The NORMAL/USER_DEFINED/UNUSED piece `piece`, or -1.
  int RegularPieceId(std::string_view piece) const {
    auto it = regular_.find(piece);
    return it == regular_.end() ? -1 : it->second;
  }
  const SentencePieceModel& model() const { return model_; }

  // Appends the ids for one (piece, id) of an encoder's output as libsentencepiece's processor
  // does: an unknown piece becomes its UTF-8 bytes (<0xNN> pieces) with byte_fallback; without
  // it, a run of unknown pieces is a single <unk>. `prev_unk` carries that run state.
  void Append(std::string_view piece, int id, bool* prev_unk, std::vector<int>* ids) const;

 private:
  const SentencePieceModel& model_;
  absl::flat_hash_map<std::string_view, int> regular_;   // NORMAL, USER_DEFINED, UNUSED
  absl::flat_hash_map<std::string_view, int> reserved_;  // CONTROL, UNKNOWN, BYTE
  std::array<int, 256> byte_ids_{};
};

}  // namespace litertlm::spm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_ENCODER_H_
