// litertlm::StreamDecoder, generic over every Tokenizer kind: it only uses Decode() and
// IdToToken().
//
// Pushed ids collect in `pending_`. After each push the pending ids are decoded together with the
// last committed ids as left context (so decoders that treat the first token specially, e.g. a
// stripped leading space, see the same neighbourhood as a full Decode()). The new text is
// committed — returned and the pending ids moved to the context — only when it is final:
//   * it does not end in U+FFFD (an incomplete UTF-8 sequence decodes to U+FFFD and may still be
//     completed by the next token), and
//   * the last token that is not skipped is not a byte-fallback piece `<0xXX>` (a later byte in
//     the same run can turn the whole run into U+FFFDs, as HF's ByteFallback decoder does; a
//     special token dropped by skip_special_tokens does not end a run).
// Both decoders used by Qwen3 and Gemma3 are concatenative at such points, so the concatenation
// of all Push() results and Flush() equals Decode() of all ids.
#include <string>
#include <vector>

#include "litertlm/tokenizer.h"

namespace litertlm {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool IsByteFallbackPiece(const std::optional<std::string>& token) {
  if (!token || token->size() != 6) return false;
  const std::string& t = *token;
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  return t.compare(0, 3, "<0x") == 0 && t[5] == '>' && hex(t[3]) && hex(t[4]);
}

bool EndsWithReplacement(const std::string& s) {
  return s.size() >= kReplacement.size() &&
         s.compare(s.size() - kReplacement.size(), kReplacement.size(), kReplacement) == 0;
}

}  // namespace

class StreamDecoder::Impl {
 public:
  Impl(const Tokenizer& tokenizer, bool skip_special_tokens)
      : tokenizer_(tokenizer), skip_(skip_special_tokens) {}

  StatusOr<std::string> Push(TokenId id) {
    // Validate the id alone first so a bad id leaves the state unchanged.
    auto alone = tokenizer_.Decode(std::span<const TokenId>(&id, 1), skip_);
    if (!alone.ok()) return alone.status();
    pending_.push_back(id);
    auto text = DecodeNew();
    if (!text.ok()) {
      pending_.pop_back();
      return text.status();
    }
    // A skipped special token is invisible: a byte run continues across it.
    if (!(skip_ && tokenizer_.IsSpecial(id)))
      last_visible_is_byte_ = IsByteFallbackPiece(tokenizer_.IdToToken(id));
    if (EndsWithReplacement(*text) || last_visible_is_byte_) return std::string();
    Commit();
    return std::move(*text);
  }

  std::string Flush() {
    auto text = DecodeNew();
    Commit();
    return text.ok() ? std::move(*text) : std::string();
  }

  void Reset() {
    context_.clear();
    pending_.clear();
    context_text_.clear();
    last_visible_is_byte_ = false;
  }

 private:
  // Text of context_ + pending_ beyond the text of context_ alone.
  StatusOr<std::string> DecodeNew() {
    std::vector<TokenId> all(context_);
    all.insert(all.end(), pending_.begin(), pending_.end());
    auto text = tokenizer_.Decode(all, skip_);
    if (!text.ok()) return text.status();
    if (text->compare(0, context_text_.size(), context_text_) != 0) {
      return InternalError("StreamDecoder: decoding is not prefix-stable for this tokenizer");
    }
    return text->substr(context_text_.size());
  }

  void Commit() {
    if (pending_.empty()) return;
    context_ = std::move(pending_);
    pending_.clear();
    auto text = tokenizer_.Decode(context_, skip_);
    context_text_ = text.ok() ? std::move(*text) : std::string();
  }

  const Tokenizer& tokenizer_;
  bool skip_;
  std::vector<TokenId> context_;  // the ids committed last (left context)
  std::string context_text_;      // Decode(context_)
  std::vector<TokenId> pending_;  // ids whose text is not final yet
  bool last_visible_is_byte_ = false;  // the last non-skipped token is a <0xXX> piece
};

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : impl_(std::make_unique<Impl>(tokenizer, skip_special_tokens)) {}
StreamDecoder::~StreamDecoder() = default;
StatusOr<std::string> StreamDecoder::Push(TokenId id) { return impl_->Push(id); }
std::string StreamDecoder::Flush() { return impl_->Flush(); }
void StreamDecoder::Reset() { impl_->Reset(); }

}  // namespace litertlm
