// Keys and values of every processed position, per layer, in fp32, fp16 or int8 (symmetric, one
// fp32 scale per block of 32 values, or per row when head_dim is not a multiple of 32: the q8_0
// cache of llama.cpp with exact scales). Each KV head's rows
// are contiguous ([layer][kv_head][position][head_dim]), so attention streams them in order and
// the hardware prefetchers can follow. Storage grows with the tokens actually used (amortised
// doubling), never beyond `max_tokens`.
#ifndef LITERTLM_MODEL_KV_CACHE_H_
#define LITERTLM_MODEL_KV_CACHE_H_

#include <cstdint>
#include <vector>

namespace litertlm {

enum class KvDType { kF32, kF16, kQ8 };

class KvCache {
 public:
  KvCache(int num_layers, int num_kv_heads, int head_dim, int max_tokens,
          KvDType dtype = KvDType::kF32);

  KvDType dtype() const { return dtype_; }
  int head_dim() const { return head_dim_; }
  int max_tokens() const { return max_tokens_; }
  int num_tokens() const { return num_tokens_; }
  // Makes room for positions [0, n); n ≤ max_tokens.
  void Reserve(int n);
  // Stores the key and value rows of `layer` at `pos`: num_kv_heads × head_dim floats each,
  // head-major (the projections' output layout).
  void Write(int layer, int pos, const float* key, const float* value);
  // Row of (layer, kv_head) at `pos`, in the cache's dtype; the rows of later positions follow
  // at a stride of head_dim elements (valid up to the reserved capacity).
  const float* KeyF32(int layer, int kv_head, int pos) const {
    return keys_f32_[layer].data() + Offset(kv_head, pos);
  }
  const float* ValueF32(int layer, int kv_head, int pos) const {
    return values_f32_[layer].data() + Offset(kv_head, pos);
  }
  const uint16_t* KeyF16(int layer, int kv_head, int pos) const {
    return keys_f16_[layer].data() + Offset(kv_head, pos);
  }
  const uint16_t* ValueF16(int layer, int kv_head, int pos) const {
    return values_f16_[layer].data() + Offset(kv_head, pos);
  }
  const int8_t* KeyQ8(int layer, int kv_head, int pos) const {
    return keys_q8_[layer].data() + Offset(kv_head, pos);
  }
  const int8_t* ValueQ8(int layer, int kv_head, int pos) const {
    return values_q8_[layer].data() + Offset(kv_head, pos);
  }
  // The scales of a kQ8 row (head_dim / q8_block() of them); later rows follow at that stride.
  const float* KeyScales(int layer, int kv_head, int pos) const {
    return key_scales_[layer].data() + ScaleOffset(kv_head, pos);
  }
  const float* ValueScales(int layer, int kv_head, int pos) const {
    return value_scales_[layer].data() + ScaleOffset(kv_head, pos);
  }
  // Values per scale in a kQ8 row.
  int q8_block() const { return q8_block_; }
  // Positions [0, n) are valid.
  void SetNumTokens(int n) { num_tokens_ = n; }
  // Bytes held (capacity), for stats.
  int64_t bytes() const;

 private:
  int64_t Offset(int kv_head, int pos) const {
    return (int64_t{kv_head} * capacity_ + pos) * head_dim_;
  }
  int64_t ScaleOffset(int kv_head, int pos) const {
    return (int64_t{kv_head} * capacity_ + pos) * (head_dim_ / q8_block_);
  }

  int num_kv_heads_;
  int head_dim_;
  int max_tokens_;
  KvDType dtype_;
  int q8_block_;
  int num_tokens_ = 0;
  int capacity_ = 0;
  std::vector<std::vector<float>> keys_f32_, values_f32_;
  std::vector<std::vector<uint16_t>> keys_f16_, values_f16_;
  std::vector<std::vector<int8_t>> keys_q8_, values_q8_;
  std::vector<std::vector<float>> key_scales_, value_scales_;
};

}  // namespace litertlm

#endif  // LITERTLM_MODEL_KV_CACHE_H_
