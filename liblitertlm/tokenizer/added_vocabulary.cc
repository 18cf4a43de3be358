#include "tokenizer/added_vocabulary.h"

#include <utf8proc.h>

#include "tokenizer/byte_level.h"

namespace litertlm::hf {
namespace {

// Rust's char::is_whitespace: the Unicode White_Space property.
bool IsWhiteSpace(char32_t c) {
  return (c >= 0x9 && c <= 0xD) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Rust's char::is_alphanumeric (Alphabetic || Numeric), approximated by general categories
// L*, Nl, Nd, No and the combining marks Mn/Mc (most of Other_Alphabetic).
bool IsAlphanumeric(char32_t c) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

char32_t LastCodePoint(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  size_t pos = i;
  return NextCodePoint(s, &pos);
}

// Start of the whitespace run that ends `s` (s.size() when none).
size_t TrailingSpaceStart(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    size_t pos = i;
    if (!IsWhiteSpace(NextCodePoint(s, &pos))) break;
    end = i;
  }
  return end;
}

// Length of the whitespace run that starts `s`.
size_t LeadingSpaceLength(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = pos;
    if (!IsWhiteSpace(NextCodePoint(s, &next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

void AddedVocabulary::Trie::Insert(std::string_view pattern, int32_t token) {
  if (pattern.empty()) return;
  if (nodes.empty()) nodes.emplace_back();
  int32_t node = 0;
  for (unsigned char b : pattern) {
    uint64_t key = (static_cast<uint64_t>(node) << 8) | b;
    auto it = edges.find(key);
    if (it == edges.end()) {
      nodes.emplace_back();
      int32_t child = static_cast<int32_t>(nodes.size() - 1);
      edges.emplace(key, child);
      node = child;
    } else {
      node = it->second;
    }
  }
  if (nodes[node].token < 0) nodes[node].token = token;  // first pattern wins on duplicates
  first_byte[static_cast<unsigned char>(pattern[0])] = true;
  any = true;
}

std::pair<size_t, int32_t> AddedVocabulary::Trie::LongestAt(std::string_view text,
                                                            size_t pos) const {
  std::pair<size_t, int32_t> best{0, -1};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = edges.find((static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(text[i]));
    if (it == edges.end()) break;
    node = it->second;
    if (nodes[node].token >= 0) best = {i + 1 - pos, nodes[node].token};
  }
  return best;
}

void AddedVocabulary::Build(std::vector<AddedToken> tokens,
                            const std::vector<std::string>& normalized_contents) {
  tokens_ = std::move(tokens);
  // HF builds its matcher from the special tokens first, then the others.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const AddedToken& t = tokens_[i];
      if (t.special != (pass == 0)) continue;
      if (t.normalized) {
        normalized_.Insert(normalized_contents[i], static_cast<int32_t>(i));
      } else {
        raw_.Insert(t.content, static_cast<int32_t>(i));
      }
    }
  }
  for (size_t i = 0; i < tokens_.size(); ++i) {
    by_id_.insert_or_assign(tokens_[i].id, static_cast<int32_t>(i));
    by_content_.emplace(tokens_[i].content, tokens_[i].id);
  }
}

const AddedToken* AddedVocabulary::ById(TokenId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[static_cast<size_t>(it->second)];
}

std::optional<TokenId> AddedVocabulary::IdOf(std::string_view content) const {
  auto it = by_content_.find(absl::string_view(content.data(), content.size()));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

void AddedVocabulary::Split(std::string_view text, bool normalized_set,
                            std::vector<TextSplit>* out) const {
  SplitWith(normalized_set ? normalized_ : raw_, text, out);
}

void AddedVocabulary::SplitWith(const Trie& trie, std::string_view text,
                                std::vector<TextSplit>* out) const {
  if (!trie.any || text.empty()) {
    out->push_back({0, text.size(), -1});
    return;
  }
  size_t start_offset = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!trie.first_byte[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    auto [len, index] = trie.LongestAt(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + len;
    pos = stop;  // the matcher resumes after the match, whatever is done with it below
    const AddedToken& t = tokens_[static_cast<size_t>(index)];
    if (t.single_word) {
      bool start_space = start == 0 || !IsAlphanumeric(LastCodePoint(text.substr(0, start)));
      size_t p = stop;
      bool stop_space = stop == text.size() || !IsAlphanumeric(NextCodePoint(text, &p));
      if (!start_space || !stop_space) continue;
    }
    if (t.lstrip) {
      size_t new_start = TrailingSpaceStart(text.substr(0, start));
      start = std::max(new_start, start_offset);
    }
    if (t.rstrip) stop += LeadingSpaceLength(text.substr(stop));
    if (start_offset < start) out->push_back({start_offset, start, -1});
    out->push_back({start, stop, t.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out->push_back({start_offset, text.size(), -1});
}

}  // namespace litertlm::hf
