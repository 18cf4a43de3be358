#include "tokenizer/bpe_merge.h"

#include <cstdio>
#include <queue>

#include "tokenizer/byte_level.h"

namespace litertlm::hf {

// ---- BpeVocab ----

void BpeVocab::Reserve(size_t entries, size_t bytes) {
  arena_.reserve(bytes);
  offsets_.reserve(entries + 1);
  id_of_entry_.reserve(entries);
}

bool BpeVocab::Add(std::string_view token, TokenId id) {
  if (offsets_.empty()) offsets_.push_back(0);
  arena_.append(token);
  offsets_.push_back(static_cast<uint32_t>(arena_.size()));
  id_of_entry_.push_back(id);
  if (id > max_id_) max_id_ = id;
  return true;
}

void BpeVocab::Finish() {
  if (offsets_.empty()) offsets_.push_back(0);
  entry_of_id_.assign(static_cast<size_t>(max_id_ + 1), -1);
  ids_.clear();
  ids_.reserve(id_of_entry_.size());
  for (size_t i = 0; i < id_of_entry_.size(); ++i) {
    std::string_view token(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
    ids_.insert_or_assign(token, id_of_entry_[i]);
    entry_of_id_[id_of_entry_[i]] = static_cast<int32_t>(i);
  }
}

std::optional<std::string_view> BpeVocab::Token(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= entry_of_id_.size() || entry_of_id_[id] < 0)
    return std::nullopt;
  size_t i = static_cast<size_t>(entry_of_id_[id]);
  return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
}

// ---- BpeModel ----

StatusOr<std::unique_ptr<BpeModel>> BpeModel::Create(
    BpeOptions options, BpeVocab vocab,
    const std::vector<std::pair<std::string_view, std::string_view>>& merges,
    const std::string& where) {
  std::unique_ptr<BpeModel> m(new BpeModel());
  m->options_ = std::move(options);
  m->vocab_ = std::move(vocab);
  const BpeVocab& v = m->vocab_;
  size_t prefix_len =
      m->options_.continuing_subword_prefix ? m->options_.continuing_subword_prefix->size() : 0;
  m->merges_.reserve(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    auto a_id = v.Find(a);
    auto b_id = v.Find(b);
    auto at = [&] { return where + ".merges[" + std::to_string(rank) + "]"; };
    if (!a_id) return InvalidArgumentError(at() + ": token '" + std::string(a) + "' is not in the vocab");
    if (!b_id) return InvalidArgumentError(at() + ": token '" + std::string(b) + "' is not in the vocab");
    if (b.size() < prefix_len)
      return InvalidArgumentError(at() + ": '" + std::string(b) + "' is shorter than the prefix");
    joined.assign(a);
    joined.append(b.substr(prefix_len));
    auto new_id = v.Find(joined);
    if (!new_id) {
      return InvalidArgumentError(at() + ": merged token '" + joined + "' is not in the vocab");
    }
    m->merges_.insert_or_assign(PairKey(*a_id, *b_id),
                                Merge{static_cast<uint32_t>(rank), *new_id});
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    m->byte_ids_[b] = v.Find(name).value_or(-1);
  }
  if (m->options_.unk_token) {
    m->unk_id_ = v.Find(*m->options_.unk_token);
  }
  bool affixes = (m->options_.continuing_subword_prefix &&
                  !m->options_.continuing_subword_prefix->empty()) ||
                 (m->options_.end_of_word_suffix && !m->options_.end_of_word_suffix->empty());
  if (!affixes) {
    m->bmp_char_ids_.assign(0x10000, -1);
    for (char32_t cp = 0; cp < 0x10000; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      std::string s;
      AppendUtf8(cp, &s);
      if (auto id = v.Find(s)) m->bmp_char_ids_[cp] = *id;
    }
  }
  return m;
}

std::optional<TokenId> BpeModel::CharId(std::string_view word, size_t begin, size_t end,
                                        bool first, bool last, std::string* scratch) const {
  if (!bmp_char_ids_.empty()) {
    size_t pos = begin;
    char32_t cp = NextCodePoint(word, &pos);
    if (cp < 0x10000) {
      TokenId id = bmp_char_ids_[cp];
      if (id < 0) return std::nullopt;
      return id;
    }
    return vocab_.Find(word.substr(begin, end - begin));
  }
  scratch->clear();
  if (!first && options_.continuing_subword_prefix) scratch->append(*options_.continuing_subword_prefix);
  scratch->append(word.substr(begin, end - begin));
  if (last && options_.end_of_word_suffix) scratch->append(*options_.end_of_word_suffix);
  return vocab_.Find(*scratch);
}

Status BpeModel::InitialSymbols(std::string_view word, std::vector<Symbol>* symbols) const {
  std::string scratch;
  bool has_unk = false;  // a pending (fused) unk of unk_len bytes
  uint32_t unk_len = 0;
  auto add = [symbols](TokenId id, uint32_t len) {
    int32_t index = static_cast<int32_t>(symbols->size());
    symbols->push_back(Symbol{id, index - 1, index + 1, len});
  };
  size_t pos = 0;
  while (pos < word.size()) {
    size_t begin = pos;
    NextCodePoint(word, &pos);
    bool first = begin == 0, last = pos >= word.size();
    uint32_t byte_len = static_cast<uint32_t>(pos - begin);
    if (auto id = CharId(word, begin, pos, first, last, &scratch)) {
      if (has_unk) {
        add(*unk_id_, unk_len);
        has_unk = false;
      }
      add(*id, byte_len);
      continue;
    }
    if (options_.byte_fallback) {
      // HF looks up the bytes of the (affixed) character; all must exist.
      std::string_view s = bmp_char_ids_.empty() ? std::string_view(scratch)
                                                 : word.substr(begin, pos - begin);
      bool all = true;
      for (unsigned char b : s) all = all && byte_ids_[b] >= 0;
      if (all) {
        for (unsigned char b : s) add(byte_ids_[b], 1);
        continue;
      }
    }
    if (options_.unk_token) {
      if (!unk_id_) {
        return InvalidArgumentError("unk_token '" + *options_.unk_token +
                                    "' is not in the vocabulary");
      }
      if (has_unk && options_.fuse_unk) {
        unk_len += byte_len;
      } else {
        if (has_unk) add(*unk_id_, unk_len);
        has_unk = true;
        unk_len = byte_len;
      }
    }
  }
  if (has_unk) add(*unk_id_, unk_len);
  if (!symbols->empty()) symbols->back().next = -1;
  return Status::Ok();
}

void BpeModel::MergeAll(std::vector<Symbol>* symbols_ptr) const {
  std::vector<Symbol>& sym = *symbols_ptr;
  struct Item {
    uint32_t rank;
    uint32_t pos;
    TokenId new_id;
    // priority_queue is a max-heap: "less" means lower priority (higher rank, then later pos).
    bool operator<(const Item& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<Item> storage;
  storage.reserve(sym.size());
  std::priority_queue<Item> queue(std::less<Item>(), std::move(storage));
  auto find = [this](TokenId a, TokenId b) -> const Merge* {
    auto it = merges_.find(PairKey(a, b));
    return it == merges_.end() ? nullptr : &it->second;
  };
  for (size_t i = 0; i + 1 < sym.size(); ++i) {
    if (const Merge* m = find(sym[i].id, sym[i + 1].id))
      queue.push(Item{m->rank, static_cast<uint32_t>(i), m->new_id});
  }
  while (!queue.empty()) {
    Item top = queue.top();
    queue.pop();
    Symbol& cur = sym[top.pos];
    if (cur.len == 0 || cur.next == -1) continue;
    size_t next_pos = static_cast<size_t>(cur.next);
    Symbol right = sym[next_pos];
    const Merge* m = find(cur.id, right.id);
    if (m == nullptr || m->new_id != top.new_id) continue;
    cur.id = top.new_id;
    cur.len += right.len;
    cur.next = right.next;
    sym[next_pos].len = 0;
    if (right.next >= 0) sym[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
    if (cur.prev >= 0) {
      if (const Merge* pm = find(sym[static_cast<size_t>(cur.prev)].id, cur.id))
        queue.push(Item{pm->rank, static_cast<uint32_t>(cur.prev), pm->new_id});
    }
    if (cur.next >= 0) {
      if (const Merge* nm = find(cur.id, sym[static_cast<size_t>(cur.next)].id))
        queue.push(Item{nm->rank, top.pos, nm->new_id});
    }
  }
}

Status BpeModel::Tokenize(std::string_view word, std::vector<TokenId>* out) const {
  if (word.empty()) return Status::Ok();
  if (options_.ignore_merges) {
    if (auto id = vocab_.Find(word)) {
      out->push_back(*id);
      return Status::Ok();
    }
  }
  bool cacheable = word.size() < kCacheMaxWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(absl::string_view(word.data(), word.size()));
    if (it != cache_.end()) {
      out->insert(out->end(), it->second.begin(), it->second.end());
      return Status::Ok();
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  Status s = InitialSymbols(word, &symbols);
  if (!s.ok()) return s;
  MergeAll(&symbols);
  size_t first = out->size();
  for (const Symbol& sym : symbols) {
    if (sym.len != 0) out->push_back(sym.id);
  }
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (cache_.size() < kCacheMaxEntries)
      cache_.emplace(std::string(word), std::vector<TokenId>(out->begin() + first, out->end()));
  }
  return Status::Ok();
}

}  // namespace litertlm::hf
