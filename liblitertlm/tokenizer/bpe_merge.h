// The tokenizer.json BPE model: vocabulary, ranked merges and the merge algorithm of Hugging
// Face's `tokenizers` (BPE::merge_word + Word::merge_all): split a word into characters (with
// byte fallback `<0xXX>` pieces or a (fused) unk for characters not in the vocabulary), then
// repeatedly apply the lowest-ranked adjacent merge, leftmost first, using a binary heap.
// Results for words shorter than 256 bytes are cached.
// Thread-safety: Tokenize() may be called concurrently (the cache is mutex-protected).
#ifndef LITERTLM_TOKENIZER_BPE_MERGE_H_
#define LITERTLM_TOKENIZER_BPE_MERGE_H_

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm::hf {

// Token strings ↔ ids. Strings live in one arena so lookups by string_view are cheap.
class BpeVocab {
 public:
  // Ids may be sparse; `max_id` bounds the id → token table.
  void Reserve(size_t entries, size_t bytes);
  // Returns false when `token` or `id` was already present (the caller reports it).
  bool Add(std::string_view token, TokenId id);
  void Finish();  // builds the lookup tables; call once after the last Add()

  std::optional<TokenId> Find(std::string_view token) const {
    auto it = ids_.find(token);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  // nullptr-like empty optional when the id has no token.
  std::optional<std::string_view> Token(TokenId id) const;
  size_t size() const { return id_of_entry_.size(); }
  TokenId max_id() const { return max_id_; }

 private:
  std::string arena_;
  std::vector<uint32_t> offsets_;      // entry i = arena_[offsets_[i], offsets_[i+1])
  std::vector<TokenId> id_of_entry_;
  std::vector<int32_t> entry_of_id_;   // id → entry, -1 when absent
  absl::flat_hash_map<std::string_view, TokenId> ids_;
  TokenId max_id_ = -1;
};

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class BpeModel {
 public:
  // `merges` are (left, right) token pairs in rank order. `where` names the model in errors
  // (e.g. "tokenizer.json: model"). Errors name a merge whose parts are not in the vocabulary.
  static StatusOr<std::unique_ptr<BpeModel>> Create(
      BpeOptions options, BpeVocab vocab,
      const std::vector<std::pair<std::string_view, std::string_view>>& merges,
      const std::string& where);

  // Appends the ids of `word` (valid UTF-8, non-empty) to `out`.
  Status Tokenize(std::string_view word, std::vector<TokenId>* out) const;

  const BpeVocab& vocab() const { return vocab_; }
  const BpeOptions& options() const { return options_; }

 private:
  struct Merge {
    uint32_t rank;
    TokenId new_id;
  };
  struct Symbol {
    TokenId id;
    int32_t prev;
    int32_t next;
    uint32_t len;  // bytes of the original word covered; 0 once merged away
  };
  BpeModel() = default;
  static uint64_t PairKey(TokenId a, TokenId b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  std::optional<TokenId> CharId(std::string_view word, size_t begin, size_t end, bool first,
                                bool last, std::string* scratch) const;
  Status InitialSymbols(std::string_view word, std::vector<Symbol>* symbols) const;
  void MergeAll(std::vector<Symbol>* symbols) const;

  BpeOptions options_;
  BpeVocab vocab_;
  absl::flat_hash_map<uint64_t, Merge> merges_;
  std::vector<TokenId> bmp_char_ids_;  // code point < 0x10000 → id or -1 (no prefix/suffix only)
  TokenId byte_ids_[256];              // <0xXX> → id or -1
  std::optional<TokenId> unk_id_;

  static constexpr size_t kCacheMaxWordBytes = 256;
  static constexpr size_t kCacheMaxEntries = 1 << 18;
  mutable std::mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, std::vector<TokenId>> cache_;
};

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_BPE_MERGE_H_
