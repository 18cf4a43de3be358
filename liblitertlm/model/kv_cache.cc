#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "kernels/attention_ops.h"

namespace litertlm {

KvCache::KvCache(int num_layers, int64_t row, int max_tokens, KvDType dtype)
    : row_(row), max_tokens_(max_tokens), dtype_(dtype) {
  if (dtype_ == KvDType::kF32) {
    keys_f32_.resize(num_layers);
    values_f32_.resize(num_layers);
  } else {
    keys_f16_.resize(num_layers);
    values_f16_.resize(num_layers);
  }
}

void KvCache::Reserve(int n) {
  if (n <= capacity_) return;
  const int cap = std::max(n, std::min(max_tokens_, std::max(64, capacity_ * 2)));
  const size_t size = static_cast<size_t>(cap) * row_;
  for (auto& k : keys_f32_) k.resize(size);
  for (auto& v : values_f32_) v.resize(size);
  for (auto& k : keys_f16_) k.resize(size);
  for (auto& v : values_f16_) v.resize(size);
  capacity_ = cap;
}

void KvCache::Write(int layer, int pos, const float* key, const float* value) {
  const size_t offset = static_cast<size_t>(pos) * row_;
  if (dtype_ == KvDType::kF32) {
    std::memcpy(keys_f32_[layer].data() + offset, key, sizeof(float) * row_);
    std::memcpy(values_f32_[layer].data() + offset, value, sizeof(float) * row_);
  } else {
    const AttentionOps& ops = ActiveAttentionOps();
    ops.to_f16(key, keys_f16_[layer].data() + offset, static_cast<int>(row_));
    ops.to_f16(value, values_f16_[layer].data() + offset, static_cast<int>(row_));
  }
}

int64_t KvCache::bytes() const {
  const int64_t per = dtype_ == KvDType::kF32 ? 4 : 2;
  const int64_t layers = static_cast<int64_t>(std::max(keys_f32_.size(), keys_f16_.size()));
  return 2 * layers * capacity_ * row_ * per;
}

}  // namespace litertlm
