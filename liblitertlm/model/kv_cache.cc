#include "model/kv_cache.h"

#include <algorithm>

namespace litertlm {

KvCache::KvCache(int num_layers, int64_t row, int max_tokens)
    : row_(row), max_tokens_(max_tokens), keys_(num_layers), values_(num_layers) {}

void KvCache::Reserve(int n) {
  if (n <= capacity_) return;
  int cap = std::max(n, std::min(max_tokens_, std::max(64, capacity_ * 2)));
  for (auto& k : keys_) k.resize(static_cast<size_t>(cap) * row_);
  for (auto& v : values_) v.resize(static_cast<size_t>(cap) * row_);
  capacity_ = cap;
}

}  // namespace litertlm
