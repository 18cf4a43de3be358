#include "tokenizer/sentencepiece_encoder.h"

#include <cstdio>

namespace litertlm::spm {

PieceIndex::PieceIndex(const SentencePieceModel& model) : model_(model) {
  regular_.reserve(model.pieces.size());
  for (size_t i = 0; i < model.pieces.size(); ++i) {
    const Piece& p = model.pieces[i];
    const bool regular = p.type == PieceType::kNormal || p.type == PieceType::kUserDefined ||
                         p.type == PieceType::kUnused;
    (regular ? regular_ : reserved_).emplace(p.text, static_cast<int>(i));
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    byte_ids_[b] = PieceToId(name);
  }
}

int PieceIndex::PieceToId(std::string_view piece) const {
  if (auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (auto it = regular_.find(piece); it != regular_.end()) return it->second;
  return model_.unk_id;
}

void PieceIndex::Append(std::string_view piece, int id, bool* prev_unk,
                        std::vector<int>* ids) const {
  const bool is_unk = id == model_.unk_id;
  if (is_unk && model_.byte_fallback) {
    for (unsigned char b : piece) ids->push_back(byte_ids_[b]);
    *prev_unk = false;
    return;
  }
  if (!(is_unk && *prev_unk)) ids->push_back(id);
  *prev_unk = is_unk;
}

}  // namespace litertlm::spm
