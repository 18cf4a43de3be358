// Keys and values of every processed position, per layer, in fp32 or fp16. Storage grows with
// the tokens actually used (amortised doubling), never beyond `max_tokens`.
#ifndef LITERTLM_MODEL_KV_CACHE_H_
#define LITERTLM_MODEL_KV_CACHE_H_

#include <cstdint>
#include <vector>

namespace litertlm {

enum class KvDType { kF32, kF16 };

class KvCache {
 public:
  // `row` = num_kv_heads × head_dim values per position per layer.
  KvCache(int num_layers, int64_t row, int max_tokens, KvDType dtype = KvDType::kF32);

  KvDType dtype() const { return dtype_; }
  int max_tokens() const { return max_tokens_; }
  int num_tokens() const { return num_tokens_; }
  int64_t row() const { return row_; }
  // Makes room for positions [0, n); n ≤ max_tokens.
  void Reserve(int n);
  // Stores the key and value rows (row() floats each) of `layer` at `pos`.
  void Write(int layer, int pos, const float* key, const float* value);
  // Rows of `layer` at `pos` (kv_heads × head_dim, head-major), in the cache's dtype.
  const float* KeyF32(int layer, int pos) const { return keys_f32_[layer].data() + pos * row_; }
  const float* ValueF32(int layer, int pos) const { return values_f32_[layer].data() + pos * row_; }
  const uint16_t* KeyF16(int layer, int pos) const { return keys_f16_[layer].data() + pos * row_; }
  const uint16_t* ValueF16(int layer, int pos) const { return values_f16_[layer].data() + pos * row_; }
  // Positions [0, n) are valid.
  void SetNumTokens(int n) { num_tokens_ = n; }
  // Bytes held (capacity), for stats.
  int64_t bytes() const;

 private:
  int64_t row_;
  int max_tokens_;
  KvDType dtype_;
  int num_tokens_ = 0;
  int capacity_ = 0;
  std::vector<std::vector<float>> keys_f32_, values_f32_;
  std::vector<std::vector<uint16_t>> keys_f16_, values_f16_;
};

}  // namespace litertlm

#endif  // LITERTLM_MODEL_KV_CACHE_H_
