#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "kernels/attention_ops.h"

namespace litertlm {
namespace {

// Moves every head's first `old_cap` rows to their place in a head-major buffer of `new_cap`
// rows per head.
template <typename T>
void Regrow(std::vector<T>& v, int heads, int64_t d, int64_t old_cap, int64_t new_cap) {
  std::vector<T> grown(static_cast<size_t>(heads * new_cap * d));
  for (int h = 0; h < heads && old_cap > 0; ++h) {
    std::copy_n(v.data() + h * old_cap * d, old_cap * d, grown.data() + h * new_cap * d);
  }
  v = std::move(grown);
}

}  // namespace

// Values per int8 scale: llama.cpp's q8_0 block where the head size allows it. Blocks (rather
// than one scale per row) keep an outlier channel from coarsening the whole row.
constexpr int kQ8Block = 32;

KvCache::KvCache(int num_layers, int num_kv_heads, int head_dim, int max_tokens, KvDType dtype)
    : num_kv_heads_(num_kv_heads),
      head_dim_(head_dim),
      max_tokens_(max_tokens),
      dtype_(dtype),
      q8_block_(head_dim % kQ8Block == 0 ? kQ8Block : head_dim) {
  switch (dtype_) {
    case KvDType::kF32:
      keys_f32_.resize(num_layers);
      values_f32_.resize(num_layers);
      break;
    case KvDType::kF16:
      keys_f16_.resize(num_layers);
      values_f16_.resize(num_layers);
      break;
    case KvDType::kQ8:
      keys_q8_.resize(num_layers);
      values_q8_.resize(num_layers);
      key_scales_.resize(num_layers);
      value_scales_.resize(num_layers);
      break;
  }
}

void KvCache::Reserve(int n) {
  if (n <= capacity_) return;
  const int cap = std::max(n, std::min(max_tokens_, std::max(64, capacity_ * 2)));
  for (auto* group : {&keys_f32_, &values_f32_}) {
    for (auto& v : *group) Regrow(v, num_kv_heads_, head_dim_, capacity_, cap);
  }
  for (auto* group : {&keys_f16_, &values_f16_}) {
    for (auto& v : *group) Regrow(v, num_kv_heads_, head_dim_, capacity_, cap);
  }
  for (auto* group : {&keys_q8_, &values_q8_}) {
    for (auto& v : *group) Regrow(v, num_kv_heads_, head_dim_, capacity_, cap);
  }
  for (auto* group : {&key_scales_, &value_scales_}) {
    for (auto& v : *group) Regrow(v, num_kv_heads_, head_dim_ / q8_block_, capacity_, cap);
  }
  capacity_ = cap;
}

void KvCache::Write(int layer, int pos, const float* key, const float* value) {
  const AttentionOps& ops = ActiveAttentionOps();
  for (int h = 0; h < num_kv_heads_; ++h) {
    const float* k = key + int64_t{h} * head_dim_;
    const float* v = value + int64_t{h} * head_dim_;
    const int64_t at = Offset(h, pos);
    switch (dtype_) {
      case KvDType::kF32:
        std::memcpy(keys_f32_[layer].data() + at, k, sizeof(float) * head_dim_);
        std::memcpy(values_f32_[layer].data() + at, v, sizeof(float) * head_dim_);
        break;
      case KvDType::kF16:
        ops.to_f16(k, keys_f16_[layer].data() + at, head_dim_);
        ops.to_f16(v, values_f16_[layer].data() + at, head_dim_);
        break;
      case KvDType::kQ8: {
        const int64_t s = ScaleOffset(h, pos);
        ops.to_q8(k, keys_q8_[layer].data() + at, key_scales_[layer].data() + s, head_dim_,
                  q8_block_);
        ops.to_q8(v, values_q8_[layer].data() + at, value_scales_[layer].data() + s, head_dim_,
                  q8_block_);
        break;
      }
    }
  }
}

int64_t KvCache::bytes() const {
  const int64_t layers = static_cast<int64_t>(
      std::max({keys_f32_.size(), keys_f16_.size(), keys_q8_.size()}));
  const int64_t values = 2 * layers * capacity_ * num_kv_heads_ * head_dim_;
  switch (dtype_) {
    case KvDType::kF32: return values * 4;
    case KvDType::kF16: return values * 2;
    case KvDType::kQ8: return values + values / q8_block_ * static_cast<int64_t>(sizeof(float));
  }
  return 0;
}

}  // namespace litertlm
