// Added tokens of a tokenizer.json (`added_tokens`): found in the text before normalization and
// BPE, as Hugging Face's AddedVocabulary does — a leftmost-longest match over all added tokens
// (special or not), honouring `single_word`, `lstrip`, `rstrip`. Tokens with `normalized: false`
// are matched on the raw text, those with `normalized: true` on each normalized segment.
// Thread-safety: immutable after Build().
#ifndef LITERTLM_TOKENIZER_ADDED_VOCABULARY_H_
#define LITERTLM_TOKENIZER_ADDED_VOCABULARY_H_

#include <absl/container/flat_hash_map.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm::hf {

struct AddedToken {
  std::string content;
  TokenId id = 0;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
};

// A piece of the input: an added token (id >= 0) or plain text (id == -1), as a byte range.
struct TextSplit {
  size_t begin = 0;
  size_t end = 0;
  TokenId id = -1;
};

class AddedVocabulary {
 public:
  // `normalized_contents[i]` is tokens[i].content after the tokenizer's normalizer (only read for
  // tokens with normalized == true).
  void Build(std::vector<AddedToken> tokens, const std::vector<std::string>& normalized_contents);

  // Splits `text` on the raw-text (normalized == false) tokens, or on the normalized ones.
  void Split(std::string_view text, bool normalized_set, std::vector<TextSplit>* out) const;
  bool has_normalized_tokens() const { return !normalized_.nodes.empty() && normalized_.any; }

  const AddedToken* ById(TokenId id) const;
  std::optional<TokenId> IdOf(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // Byte trie for leftmost-longest matching.
  struct Trie {
    struct Node {
      int32_t token = -1;  // index into tokens_ when a pattern ends here
    };
    std::vector<Node> nodes;
    absl::flat_hash_map<uint64_t, int32_t> edges;  // (node << 8 | byte) → child
    bool first_byte[256] = {};
    bool any = false;
    void Insert(std::string_view pattern, int32_t token);
    // Longest pattern starting at text[pos]: (length, token index), or token -1.
    std::pair<size_t, int32_t> LongestAt(std::string_view text, size_t pos) const;
  };
  void SplitWith(const Trie& trie, std::string_view text, std::vector<TextSplit>* out) const;

  std::vector<AddedToken> tokens_;
  Trie raw_;
  Trie normalized_;
  absl::flat_hash_map<TokenId, int32_t> by_id_;
  absl::flat_hash_map<std::string, TokenId> by_content_;
};

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_ADDED_VOCABULARY_H_
