// Byte trie for longest-prefix matching of a set of pieces (user-defined pieces in normalized text,
// control pieces in raw text). Immutable after construction; Match() is thread-safe.
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_TRIE_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_TRIE_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace litertlm::spm {

class PieceTrie {
 public:
  struct MatchResult {
    size_t length = 0;  // bytes matched; 0 = no piece starts here
    int value = -1;     // the value given to Insert() for that piece
  };

  // Adds `piece` (non-empty) with `value`; a later insert of the same piece overwrites.
  void Insert(std::string_view piece, int value);
  bool empty() const { return values_.size() <= 1; }
  // True when some piece starts with byte `b` (a cheap pre-check before Match()).
  bool CanStartWith(unsigned char b) const { return root_children_[b] != 0; }
  // The longest inserted piece that is a prefix of `text`.
  MatchResult Match(std::string_view text) const;

 private:
  static uint64_t Key(uint32_t node, unsigned char b) { return (uint64_t{node} << 8) | b; }
  uint32_t Child(uint32_t node, unsigned char b) const;

  std::array<uint32_t, 256> root_children_{};         // node 0 is the root; 0 = no child
  absl::flat_hash_map<uint64_t, uint32_t> children_;  // (node, byte) → node, below the root
  std::vector<int> values_ = {-1};                    // per node; -1 = no piece ends here
};

}  // namespace litertlm::spm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_TRIE_H_
