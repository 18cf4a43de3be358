// Keys and values of every processed position, per layer. Storage grows with the tokens
// actually used (amortised doubling), never beyond `max_tokens`.
#ifndef LITERTLM_MODEL_KV_CACHE_H_
#define LITERTLM_MODEL_KV_CACHE_H_

#include <cstdint>
#include <vector>

namespace litertlm {

class KvCache {
 public:
  // `row` = num_kv_heads × head_dim floats per position per layer.
  KvCache(int num_layers, int64_t row, int max_tokens);

  int max_tokens() const { return max_tokens_; }
  int num_tokens() const { return num_tokens_; }
  // Makes room for positions [0, n); n ≤ max_tokens.
  void Reserve(int n);
  // Key/value rows of `layer` at `pos` (kv_heads × head_dim, head-major).
  float* Key(int layer, int pos) { return keys_[layer].data() + pos * row_; }
  float* Value(int layer, int pos) { return values_[layer].data() + pos * row_; }
  const float* Key(int layer, int pos) const { return keys_[layer].data() + pos * row_; }
  const float* Value(int layer, int pos) const { return values_[layer].data() + pos * row_; }
  int64_t row() const { return row_; }
  // Positions [0, n) are valid.
  void SetNumTokens(int n) { num_tokens_ = n; }

 private:
  int64_t row_;
  int max_tokens_;
  int num_tokens_ = 0;
  int capacity_ = 0;
  std::vector<std::vector<float>> keys_;
  std::vector<std::vector<float>> values_;
};

}  // namespace litertlm

#endif  // LITERTLM_MODEL_KV_CACHE_H_
