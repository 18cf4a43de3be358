#include "tokenizer/sentencepiece_tokenizer.h"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tokenizer/sentencepiece_bpe.h"
#include "tokenizer/sentencepiece_model.h"
#include "tokenizer/sentencepiece_normalizer.h"
#include "tokenizer/sentencepiece_trie.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

using spm::PieceType;

// Appends a run of byte-piece values as libsentencepiece does: each valid UTF-8 character as is,
// each byte that does not start one as U+FFFD.
void AppendByteRun(std::string_view bytes, std::string* out) {
  while (!bytes.empty()) {
    const size_t len = spm::ValidUtf8CharLength(bytes);
    if (len == 0) {
      out->append(spm::kReplacementChar);
      bytes.remove_prefix(1);
    } else {
      out->append(bytes.substr(0, len));
      bytes.remove_prefix(len);
    }
  }
}

void AppendUnescaped(std::string_view piece, std::string* out) {
  size_t pos;
  while ((pos = piece.find(spm::kSpaceSymbol)) != std::string_view::npos) {
    out->append(piece.substr(0, pos));
    out->push_back(' ');
    piece.remove_prefix(pos + spm::kSpaceSymbol.size());
  }
  out->append(piece);
}

// "<0x41>" → 0x41; -1 when `piece` is not of that form.
int ByteValue(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return -1;
    value = value * 16 + digit;
  }
  return value;
}

// The parser admits only BPE models; SegmentEncoder is the seam for other model types.
std::unique_ptr<const spm::SegmentEncoder> MakeEncoder(const spm::SentencePieceModel& model) {
  return std::make_unique<spm::BpeEncoder>(model);
}

class SentencePieceTokenizer final : public Tokenizer {
 public:
  SentencePieceTokenizer(spm::SentencePieceModel model, std::string origin)
      : model_(std::move(model)), origin_(std::move(origin)), encoder_(MakeEncoder(model_)) {
    piece_to_id_.reserve(model_.pieces.size());
    byte_values_.resize(model_.pieces.size(), -1);
    for (size_t i = 0; i < model_.pieces.size(); ++i) {
      const spm::Piece& p = model_.pieces[i];
      piece_to_id_.emplace(p.text, static_cast<int>(i));
      if (p.type == PieceType::kControl || p.type == PieceType::kUnknown) {
        specials_.Insert(p.text, static_cast<int>(i));
      }
      if (p.type == PieceType::kByte) byte_values_[i] = ByteValue(p.text);
    }
  }

  TokenizerKind kind() const override { return TokenizerKind::kSentencePiece; }
  StatusOr<std::vector<TokenId>> Encode(std::string_view text,
                                        bool add_special_tokens) const override;
  StatusOr<std::string> Decode(std::span<const TokenId> ids,
                               bool skip_special_tokens) const override;
  int vocab_size() const override { return static_cast<int>(model_.pieces.size()); }
  std::optional<std::string> IdToToken(TokenId id) const override {
    if (id < 0 || id >= vocab_size()) return std::nullopt;
    return model_.pieces[id].text;
  }
  std::optional<TokenId> TokenToId(std::string_view token) const override {
    auto it = piece_to_id_.find(token);
    if (it == piece_to_id_.end()) return std::nullopt;
    return it->second;
  }
  bool IsSpecial(TokenId id) const override {
    if (id < 0 || id >= vocab_size()) return false;
    const PieceType t = model_.pieces[id].type;
    return t == PieceType::kControl || t == PieceType::kUnknown;
  }
  std::optional<TokenId> bos_id() const override { return OptionalId(model_.bos_id); }
  std::optional<TokenId> eos_id() const override { return OptionalId(model_.eos_id); }

 private:
  static std::optional<TokenId> OptionalId(int id) {
    return id >= 0 ? std::optional<TokenId>(id) : std::nullopt;
  }
  void EncodeSegment(std::string_view segment, std::string* scratch, std::vector<int>* ids) const {
    if (segment.empty()) return;
    scratch->clear();
    spm::NormalizeIdentity(segment, model_.normalizer, scratch);
    encoder_->Encode(*scratch, ids);
  }
  // The text of a non-byte piece, as the decoder shows it.
  void AppendPiece(int id, bool skip_special, bool* at_start, std::string* out) const;

  const spm::SentencePieceModel model_;
  const std::string origin_;
  const std::unique_ptr<const spm::SegmentEncoder> encoder_;  // refers to model_
  spm::PieceTrie specials_;  // CONTROL + UNKNOWN pieces, matched in raw text
  absl::flat_hash_map<std::string_view, int> piece_to_id_;
  std::vector<int> byte_values_;  // per id: the byte of a BYTE piece, else -1
};

StatusOr<std::vector<TokenId>> SentencePieceTokenizer::Encode(std::string_view text,
                                                              bool add_special_tokens) const {
  std::vector<int> ids;
  ids.reserve(text.size() / 3 + 2);
  if (add_special_tokens && model_.bos_id >= 0) ids.push_back(model_.bos_id);
  std::string scratch;
  size_t segment_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (specials_.CanStartWith(static_cast<unsigned char>(text[i]))) {
      const spm::PieceTrie::MatchResult m = specials_.Match(text.substr(i));
      if (m.length > 0) {
        EncodeSegment(text.substr(segment_start, i - segment_start), &scratch, &ids);
        ids.push_back(m.value);
        i += m.length;
        segment_start = i;
        continue;
      }
    }
    ++i;
  }
  EncodeSegment(text.substr(segment_start), &scratch, &ids);
  return std::vector<TokenId>(ids.begin(), ids.end());
}

// libsentencepiece drops the leading U+2581 of pieces at the start of the text (while everything
// decoded so far is empty) when the normalizer adds a dummy prefix or strips whitespace.
void SentencePieceTokenizer::AppendPiece(int id, bool skip_special, bool* at_start,
                                         std::string* out) const {
  const spm::Piece& piece = model_.pieces[id];
  const size_t before = out->size();
  if (piece.type == PieceType::kControl) {
    if (!skip_special) out->append(piece.text);
  } else if (piece.type == PieceType::kUnknown) {
    out->append(skip_special ? model_.unk_surface : piece.text);
  } else {
    std::string_view text = piece.text;
    if (*at_start &&
        (model_.normalizer.add_dummy_prefix || model_.normalizer.remove_extra_whitespaces) &&
        text.substr(0, spm::kSpaceSymbol.size()) == spm::kSpaceSymbol) {
      text.remove_prefix(spm::kSpaceSymbol.size());
    }
    AppendUnescaped(text, out);
  }
  if (out->size() != before) *at_start = false;
}

StatusOr<std::string> SentencePieceTokenizer::Decode(std::span<const TokenId> ids,
                                                     bool skip_special_tokens) const {
  std::string out;
  std::string byte_run;
  bool at_start = true;
  for (TokenId id : ids) {
    if (id < 0 || id >= vocab_size()) {
      return InvalidArgumentError("token id " + std::to_string(id) +
                                  " is outside the vocabulary of " + origin_ + " (0.." +
                                  std::to_string(vocab_size() - 1) + ")");
    }
    if (byte_values_[id] >= 0) {
      byte_run.push_back(static_cast<char>(byte_values_[id]));
      continue;
    }
    if (!byte_run.empty()) {
      AppendByteRun(byte_run, &out);
      byte_run.clear();
      at_start = out.empty();
    }
    AppendPiece(id, skip_special_tokens, &at_start, &out);
  }
  AppendByteRun(byte_run, &out);
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<Tokenizer>> CreateSentencePieceTokenizer(std::string_view bytes,
                                                                  const std::string& origin) {
  ASSIGN_OR_RETURN(spm::SentencePieceModel model, spm::ParseSentencePieceModel(bytes, origin));
  return std::unique_ptr<Tokenizer>(new SentencePieceTokenizer(std::move(model), origin));
}

}  // namespace litertlm
