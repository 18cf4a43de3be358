#include "tokenizer/sentencepiece_model.h"

#include <climits>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/arena.h"
#include "tokenizer/sentencepiece_model.pb.h"
#include "util/status_macros.h"

namespace litertlm::spm {
namespace {

std::string ModelTypeName(int type) {
  switch (type) {
    case 1:
      return "UNIGRAM";
    case 2:
      return "BPE";
    case 3:
      return "WORD";
    case 4:
      return "CHAR";
    default:
      return "unknown";
  }
}

Status CheckNormalizer(const NormalizerSpec& spec, std::string_view field,
                       const std::string& origin) {
  if (!spec.precompiled_charsmap().empty()) {
    return UnimplementedError(origin + ": " + std::string(field) +
                              ".precompiled_charsmap is not empty (normalizer \"" + spec.name() +
                              "\", " + std::to_string(spec.precompiled_charsmap().size()) +
                              " bytes); applying a precompiled normalization map is not "
                              "implemented, so this model cannot be tokenized exactly");
  }
  return Status::Ok();
}

Status CheckTrainer(const TrainerSpec& spec, const std::string& origin) {
  const int type = spec.model_type();
  if (type != 2) {
    return UnimplementedError(origin + ": trainer_spec.model_type = " + std::to_string(type) +
                              " (" + ModelTypeName(type) +
                              ") is not supported; only BPE (2) SentencePiece models are");
  }
  if (spec.treat_whitespace_as_suffix()) {
    return UnimplementedError(origin +
                              ": trainer_spec.treat_whitespace_as_suffix = true is not supported");
  }
  return Status::Ok();
}

Status ReadPieces(const ModelProto& proto, const std::string& origin, SentencePieceModel* model) {
  absl::flat_hash_map<std::string_view, int> seen;
  seen.reserve(proto.pieces_size());
  model->pieces.resize(proto.pieces_size());
  for (int i = 0; i < proto.pieces_size(); ++i) {
    const auto& p = proto.pieces(i);
    // Built only for an error: 262,144 pieces (Gemma 3) would otherwise cost as many strings.
    auto where = [&] { return origin + ": pieces[" + std::to_string(i) + "]"; };
    if (p.piece().empty()) return InvalidArgumentError(where() + ".piece is empty");
    if (p.type() < 1 || p.type() > 6) {
      return InvalidArgumentError(where() + ".type = " + std::to_string(p.type()) +
                                  " is not a SentencePiece piece type (1..6)");
    }
    Piece& out = model->pieces[i];
    out.text = p.piece();
    out.score = p.score();
    out.type = static_cast<PieceType>(p.type());
    if (!seen.emplace(out.text, i).second) {
      return InvalidArgumentError(where() + ".piece \"" + out.text + "\" duplicates pieces[" +
                                  std::to_string(seen[out.text]) + "]");
    }
    if (out.type == PieceType::kUnknown) {
      if (model->unk_id >= 0) {
        return InvalidArgumentError(where() + ": a second UNKNOWN piece (the first is pieces[" +
                                    std::to_string(model->unk_id) + "])");
      }
      model->unk_id = i;
    }
    if (out.type == PieceType::kByte && !model->byte_fallback) {
      return InvalidArgumentError(where() + ": BYTE piece \"" + out.text +
                                  "\" while trainer_spec.byte_fallback is false");
    }
  }
  if (model->unk_id < 0) return InvalidArgumentError(origin + ": no piece has type UNKNOWN");
  return Status::Ok();
}

// libsentencepiece resolves bos/eos/pad through the trainer_spec's *_piece strings; when a piece
// is absent it falls back to the *_id field if that names a CONTROL piece.
int SpecialId(const SentencePieceModel& model, const std::string& piece, int id) {
  for (size_t i = 0; i < model.pieces.size(); ++i) {
    if (model.pieces[i].text == piece) return static_cast<int>(i);
  }
  if (id >= 0 && id < static_cast<int>(model.pieces.size()) &&
      model.pieces[id].type == PieceType::kControl) {
    return id;
  }
  return -1;
}

}  // namespace

StatusOr<SentencePieceModel> ParseSentencePieceModel(std::string_view bytes,
                                                     const std::string& origin) {
  if (bytes.empty())
    return InvalidArgumentError(origin + ": empty file, not a SentencePiece model");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError(origin + ": too large for a SentencePiece model");
  }
  // On an arena: one ModelProto holds a message and a string per piece (262,144 for Gemma 3),
  // which the heap would allocate and free one by one.
  google::protobuf::Arena arena;
  ModelProto& proto = *google::protobuf::Arena::CreateMessage<ModelProto>(&arena);
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgumentError(origin +
                                ": not a SentencePiece ModelProto (protobuf parse failed: the file "
                                "is corrupt or truncated)");
  }
  if (proto.pieces_size() == 0) return InvalidArgumentError(origin + ": no pieces (field 1)");
  if (!proto.has_trainer_spec()) {
    return InvalidArgumentError(origin + ": trainer_spec (field 2) is missing; truncated file?");
  }
  if (!proto.has_normalizer_spec()) {
    return InvalidArgumentError(origin + ": normalizer_spec (field 3) is missing; truncated file?");
  }
  RETURN_IF_ERROR(CheckTrainer(proto.trainer_spec(), origin));
  RETURN_IF_ERROR(CheckNormalizer(proto.normalizer_spec(), "normalizer_spec", origin));
  if (proto.has_denormalizer_spec()) {
    RETURN_IF_ERROR(CheckNormalizer(proto.denormalizer_spec(), "denormalizer_spec", origin));
  }
  SentencePieceModel model;
  const TrainerSpec& trainer = proto.trainer_spec();
  model.model_type = static_cast<ModelType>(trainer.model_type());
  model.byte_fallback = trainer.byte_fallback();
  model.unk_surface = trainer.unk_surface();
  const NormalizerSpec& norm = proto.normalizer_spec();
  model.normalizer.add_dummy_prefix = norm.add_dummy_prefix();
  model.normalizer.remove_extra_whitespaces = norm.remove_extra_whitespaces();
  model.normalizer.escape_whitespaces = norm.escape_whitespaces();
  RETURN_IF_ERROR(ReadPieces(proto, origin, &model));
  model.bos_id = SpecialId(model, trainer.bos_piece(), trainer.bos_id());
  model.eos_id = SpecialId(model, trainer.eos_piece(), trainer.eos_id());
  model.pad_id = SpecialId(model, trainer.pad_piece(), trainer.pad_id());
  return model;
}

}  // namespace litertlm::spm
