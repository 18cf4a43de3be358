#include "tokenizer/sentencepiece_bpe.h"

#include <algorithm>
#include <queue>

namespace litertlm::spm {
namespace {

// libsentencepiece's OneCharLen: the length the lead byte announces, clipped to the input.
size_t OneCharLen(std::string_view s) {
  static constexpr unsigned char kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return std::min<size_t>(s.size(), kLen[static_cast<unsigned char>(s[0]) >> 4]);
}

struct SymbolPair {
  float score;
  int left;
  int right;
  size_t size;
};

// Highest score on top; among equal scores the leftmost pair.
struct PairOrder {
  bool operator()(const SymbolPair& a, const SymbolPair& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

BpeEncoder::BpeEncoder(const SentencePieceModel& model) : model_(model), index_(model) {
  for (size_t i = 0; i < model.pieces.size(); ++i) {
    const Piece& p = model.pieces[i];
    if (p.type == PieceType::kUserDefined) user_defined_.Insert(p.text, static_cast<int>(i));
    if (p.type == PieceType::kUnused) has_unused_ = true;
  }
}

std::vector<BpeEncoder::Symbol> BpeEncoder::InitialSymbols(std::string_view normalized) const {
  std::vector<Symbol> symbols;
  symbols.reserve(normalized.size());
  size_t pos = 0;
  while (pos < normalized.size()) {
    const std::string_view rest = normalized.substr(pos);
    size_t len = 0;
    bool freeze = false;
    if (!user_defined_.empty() && user_defined_.CanStartWith(static_cast<unsigned char>(rest[0]))) {
      len = user_defined_.Match(rest).length;
      freeze = len > 0;
    }
    if (len == 0) len = OneCharLen(rest);
    const int index = static_cast<int>(symbols.size());
    pos += len;
    symbols.push_back(
        {index - 1, pos < normalized.size() ? index + 1 : -1, freeze, rest.substr(0, len)});
  }
  return symbols;
}

void BpeEncoder::Encode(std::string_view normalized, std::vector<int>* ids) const {
  if (normalized.empty()) return;
  std::vector<Symbol> symbols = InitialSymbols(normalized);
  std::vector<SymbolPair> storage;
  storage.reserve(symbols.size());
  std::priority_queue<SymbolPair, std::vector<SymbolPair>, PairOrder> agenda(PairOrder{},
                                                                             std::move(storage));
  RevMerge rev_merge;
  auto maybe_add_pair = [&](int left, int right) {
    if (left == -1 || right == -1 || symbols[left].freeze || symbols[right].freeze) return;
    const std::string_view merged(symbols[left].piece.data(),
                                  symbols[left].piece.size() + symbols[right].piece.size());
    const int id = index_.RegularPieceId(merged);
    if (id < 0) return;
    agenda.push({model_.pieces[id].score, left, right, merged.size()});
    if (has_unused_ && model_.pieces[id].type == PieceType::kUnused) {
      rev_merge[merged] = {symbols[left].piece, symbols[right].piece};
    }
  };
  for (size_t i = 1; i < symbols.size(); ++i) {
    maybe_add_pair(static_cast<int>(i) - 1, static_cast<int>(i));
  }
  while (!agenda.empty()) {
    const SymbolPair top = agenda.top();
    agenda.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    // Stale entry: one side was merged away or changed since the pair was queued.
    if (left.piece.empty() || right.piece.empty() ||
        left.piece.size() + right.piece.size() != top.size) {
      continue;
    }
    left.piece = std::string_view(left.piece.data(), top.size);
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    right.piece = std::string_view();
    maybe_add_pair(left.prev, top.left);
    maybe_add_pair(top.left, left.next);
  }
  bool prev_unk = false;
  for (int i = 0; i != -1; i = symbols[i].next) Emit(symbols[i].piece, rev_merge, &prev_unk, ids);
}

void BpeEncoder::Emit(std::string_view piece, const RevMerge& rev_merge, bool* prev_unk,
                      std::vector<int>* ids) const {
  const int id = index_.PieceToId(piece);
  if (has_unused_ && id != model_.unk_id && model_.pieces[id].type == PieceType::kUnused) {
    if (auto it = rev_merge.find(piece); it != rev_merge.end()) {
      Emit(it->second.first, rev_merge, prev_unk, ids);
      Emit(it->second.second, rev_merge, prev_unk, ids);
      return;
    }
  }
  index_.Append(piece, id, prev_unk, ids);
}

}  // namespace litertlm::spm
