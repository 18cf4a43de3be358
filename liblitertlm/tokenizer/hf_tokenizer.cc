#include "tokenizer/hf_tokenizer.h"

#include <algorithm>

#include "tokenizer/byte_level.h"
#include "util/status_macros.h"

namespace litertlm::hf {

StatusOr<std::unique_ptr<HfTokenizer>> HfTokenizer::Create(std::string_view bytes,
                                                           const std::string& origin) {
  ASSIGN_OR_RETURN(HfTokenizerParts parts, ParseHfTokenizerJson(bytes, origin));
  // Added tokens with normalized == true are matched in normalized text.
  std::vector<std::string> normalized_contents(parts.added_tokens.size());
  for (size_t i = 0; i < parts.added_tokens.size(); ++i) {
    const AddedToken& t = parts.added_tokens[i];
    if (!t.normalized) continue;
    if (ValidUtf8Prefix(t.content) != t.content.size())
      return InvalidArgumentError(origin + ": field 'added_tokens[" + std::to_string(i) +
                                  "].content': not valid UTF-8");
    ASSIGN_OR_RETURN(normalized_contents[i], parts.normalizer->Normalize(t.content));
  }
  std::unique_ptr<HfTokenizer> tok(new HfTokenizer(std::move(parts)));
  tok->added_.Build(tok->parts_.added_tokens, normalized_contents);
  // BOS defaults to a single special token the post-processor puts in front (Gemma's <bos>).
  const PostProcessor& pp = tok->parts_.post_processor;
  if (pp.prefix.size() == 1) tok->bos_id_ = pp.prefix[0];
  return tok;
}

HfTokenizer::HfTokenizer(HfTokenizerParts parts) : parts_(std::move(parts)) {
  TokenId max_id = parts_.model->vocab().max_id();
  for (const AddedToken& t : parts_.added_tokens) max_id = std::max(max_id, t.id);
  vocab_size_ = static_cast<int>(max_id + 1);
}

Status HfTokenizer::EncodeNormalized(std::string_view text, std::vector<TokenId>* out) const {
  thread_local std::vector<std::string> pieces;
  RETURN_IF_ERROR(parts_.pre_tokenizer->Run(text, &pieces));
  for (const std::string& piece : pieces) RETURN_IF_ERROR(parts_.model->Tokenize(piece, out));
  return Status::Ok();
}

Status HfTokenizer::EncodeSegment(std::string_view segment, std::vector<TokenId>* out) const {
  std::string normalized;
  std::string_view text = segment;
  if (!parts_.normalizer->empty()) {
    ASSIGN_OR_RETURN(normalized, parts_.normalizer->Normalize(segment));
    text = normalized;
  }
  if (!added_.has_normalized_tokens()) return EncodeNormalized(text, out);
  std::vector<TextSplit> splits;
  added_.Split(text, /*normalized_set=*/true, &splits);
  for (const TextSplit& s : splits) {
    if (s.id >= 0) {
      out->push_back(s.id);
    } else {
      RETURN_IF_ERROR(EncodeNormalized(text.substr(s.begin, s.end - s.begin), out));
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<TokenId>> HfTokenizer::Encode(std::string_view text,
                                                   bool add_special_tokens) const {
  size_t valid = ValidUtf8Prefix(text);
  if (valid != text.size()) {
    return InvalidArgumentError("Encode: text is not valid UTF-8 (at byte " +
                                std::to_string(valid) + ")");
  }
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<TextSplit> splits;
  added_.Split(text, /*normalized_set=*/false, &splits);
  for (const TextSplit& s : splits) {
    if (s.id >= 0) {
      ids.push_back(s.id);
    } else {
      RETURN_IF_ERROR(EncodeSegment(text.substr(s.begin, s.end - s.begin), &ids));
    }
  }
  if (add_special_tokens) {
    const PostProcessor& pp = parts_.post_processor;
    if (!pp.prefix.empty()) ids.insert(ids.begin(), pp.prefix.begin(), pp.prefix.end());
    ids.insert(ids.end(), pp.suffix.begin(), pp.suffix.end());
  }
  return ids;
}

StatusOr<std::string> HfTokenizer::Decode(std::span<const TokenId> ids,
                                          bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (TokenId id : ids) {
    if (const AddedToken* t = added_.ById(id)) {
      if (skip_special_tokens && t->special) continue;
      tokens.push_back(t->content);
      continue;
    }
    auto token = parts_.model->vocab().Token(id);
    if (!token) {
      return InvalidArgumentError("Decode: token id " + std::to_string(id) +
                                  " is not in the vocabulary (size " +
                                  std::to_string(vocab_size_) + ")");
    }
    // A vocabulary entry whose text is a special added token is skipped too (HF compares text).
    if (skip_special_tokens) {
      auto added_id = added_.IdOf(*token);
      if (added_id && added_.ById(*added_id)->special) continue;
    }
    tokens.emplace_back(*token);
  }
  return parts_.decoder->Decode(std::move(tokens));
}

std::optional<std::string> HfTokenizer::IdToToken(TokenId id) const {
  if (const AddedToken* t = added_.ById(id)) return t->content;
  auto token = parts_.model->vocab().Token(id);
  if (!token) return std::nullopt;
  return std::string(*token);
}

std::optional<TokenId> HfTokenizer::TokenToId(std::string_view token) const {
  if (auto id = added_.IdOf(token)) return id;
  return parts_.model->vocab().Find(token);
}

bool HfTokenizer::IsSpecial(TokenId id) const {
  const AddedToken* t = added_.ById(id);
  return t != nullptr && t->special;
}

}  // namespace litertlm::hf
