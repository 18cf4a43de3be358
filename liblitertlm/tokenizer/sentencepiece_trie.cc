#include "tokenizer/sentencepiece_trie.h"

namespace litertlm::spm {

uint32_t PieceTrie::Child(uint32_t node, unsigned char b) const {
  if (node == 0) return root_children_[b];
  auto it = children_.find(Key(node, b));
  return it == children_.end() ? 0 : it->second;
}

void PieceTrie::Insert(std::string_view piece, int value) {
  uint32_t node = 0;
  for (unsigned char b : piece) {
    uint32_t next = Child(node, b);
    if (next == 0) {
      next = static_cast<uint32_t>(values_.size());
      values_.push_back(-1);
      if (node == 0) {
        root_children_[b] = next;
      } else {
        children_.emplace(Key(node, b), next);
      }
    }
    node = next;
  }
  if (node != 0) values_[node] = value;
}

PieceTrie::MatchResult PieceTrie::Match(std::string_view text) const {
  MatchResult best;
  uint32_t node = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    node = Child(node, static_cast<unsigned char>(text[i]));
    if (node == 0) break;
    if (values_[node] >= 0) best = {i + 1, values_[node]};
  }
  return best;
}

}  // namespace litertlm::spm
