// SentencePiece model (tokenizer.model) as plain data: the pieces and the few trainer/normalizer
// settings that change encoding or decoding, parsed with libprotobuf through our own schema subset
// (sentencepiece_model.proto). libsentencepiece is never linked (see the protobuf trap).
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_MODEL_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_MODEL_H_

#include <string>
#include <string_view>
#include <vector>

#include "litertlm/status.h"

namespace litertlm::spm {

// Values as in sentencepiece's ModelProto.SentencePiece.Type.
enum class PieceType : int {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Values as in sentencepiece's TrainerSpec.ModelType.
enum class ModelType : int { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

struct Piece {
  std::string text;
  float score = 0.0f;
  PieceType type = PieceType::kNormal;
};

struct NormalizerFlags {
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

struct SentencePieceModel {
  ModelType model_type = ModelType::kUnigram;
  std::vector<Piece> pieces;  // index = token id
  bool byte_fallback = false;
  int unk_id = -1;  // the (single) UNKNOWN piece
  int bos_id = -1;  // -1 when the model declares none
  int eos_id = -1;
  int pad_id = -1;
  std::string unk_surface;  // what libsentencepiece's Decode prints for <unk>
  NormalizerFlags normalizer;
};

// Parses and validates the bytes of a tokenizer.model. Errors start with `origin` and name the
// field: corrupt/truncated protobuf, missing trainer_spec/normalizer_spec, empty or duplicate
// pieces, bad piece types, no UNKNOWN piece, and settings we cannot honour exactly
// (UNIMPLEMENTED: a non-empty precompiled_charsmap, treat_whitespace_as_suffix, any model_type
// other than BPE — UNIGRAM, WORD, CHAR).
StatusOr<SentencePieceModel> ParseSentencePieceModel(std::string_view bytes,
                                                     const std::string& origin);

}  // namespace litertlm::spm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_MODEL_H_
