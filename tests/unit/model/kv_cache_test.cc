#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <vector>

#include "kernels/attention_ops.h"
#include "util/half.h"

namespace litertlm {
namespace {

float Value(int layer, int pos, int head, int c, bool is_value) {
  return static_cast<float>(layer * 1000 + pos) + 0.25f * head + 0.0078125f * c + (is_value ? 0.5f : 0.0f);
}

// The int8 rows and scales of every (layer, head, position) are QuantizeQ8Blocks of the
// written row, reached from the head's first row and first scale.
void ExpectQ8Rows(const KvCache& cache, int layers, int heads, int dim, int max) {
  const int per_row = dim / cache.q8_block();
  std::vector<float> row(dim), scales(per_row);
  std::vector<int8_t> q(dim);
  for (int layer = 0; layer < layers; ++layer) {
    for (int h = 0; h < heads; ++h) {
      for (int pos = 0; pos < max; ++pos) {
        for (bool is_value : {false, true}) {
          for (int c = 0; c < dim; ++c) row[c] = Value(layer, pos, h, c, is_value);
          QuantizeQ8Blocks(row.data(), q.data(), scales.data(), dim, cache.q8_block());
          const int8_t* got = (is_value ? cache.ValueQ8(layer, h, 0) : cache.KeyQ8(layer, h, 0)) +
                              int64_t{pos} * dim;
          const float* got_scales =
              (is_value ? cache.ValueScales(layer, h, 0) : cache.KeyScales(layer, h, 0)) +
              int64_t{pos} * per_row;
          ASSERT_EQ(std::vector<int8_t>(got, got + dim), q) << layer << " " << h << " " << pos;
          ASSERT_EQ(std::vector<float>(got_scales, got_scales + per_row), scales);
        }
      }
    }
  }
}

// Rows written head-major per position come back as one contiguous run per KV head, across
// several capacity doublings, in every dtype (int8: the row's block quantization, its scales
// following at head_dim / block per position).
TEST(KvCacheTest, RowsAreContiguousPerHeadAcrossGrowth) {
  constexpr int kLayers = 2, kHeads = 3, kDim = 8, kMax = 300;
  for (KvDType dtype : {KvDType::kF32, KvDType::kF16, KvDType::kQ8}) {
    KvCache cache(kLayers, kHeads, kDim, kMax, dtype);
    std::vector<float> key(kHeads * kDim), value(kHeads * kDim);
    for (int pos = 0; pos < kMax; ++pos) {
      cache.Reserve(pos + 1);
      for (int layer = 0; layer < kLayers; ++layer) {
        for (int h = 0; h < kHeads; ++h) {
          for (int c = 0; c < kDim; ++c) {
            key[h * kDim + c] = Value(layer, pos, h, c, false);
            value[h * kDim + c] = Value(layer, pos, h, c, true);
          }
        }
        cache.Write(layer, pos, key.data(), value.data());
      }
    }
    const int64_t values = int64_t{2} * kLayers * kMax * kHeads * kDim;
    EXPECT_EQ(cache.bytes(), dtype == KvDType::kF32   ? values * 4
                             : dtype == KvDType::kF16 ? values * 2
                                                      : values + values / kDim * 4);  // block = row
    if (dtype == KvDType::kQ8) {
      EXPECT_EQ(cache.q8_block(), kDim);
      ExpectQ8Rows(cache, kLayers, kHeads, kDim, kMax);
      continue;
    }
    for (int layer = 0; layer < kLayers; ++layer) {
      for (int h = 0; h < kHeads; ++h) {
        for (int pos = 0; pos < kMax; ++pos) {
          for (int c = 0; c < kDim; ++c) {
            const int64_t i = int64_t{pos} * kDim + c;  // from the head's first row
            float k, v;
            if (dtype == KvDType::kF32) {
              k = cache.KeyF32(layer, h, 0)[i];
              v = cache.ValueF32(layer, h, 0)[i];
            } else {
              k = F16ToF32(cache.KeyF16(layer, h, 0)[i]);
              v = F16ToF32(cache.ValueF16(layer, h, 0)[i]);
            }
            const float want_k = Value(layer, pos, h, c, false), want_v = Value(layer, pos, h, c, true);
            if (dtype == KvDType::kF32) {
              ASSERT_EQ(k, want_k);
              ASSERT_EQ(v, want_v);
            } else {
              ASSERT_EQ(k, F16ToF32(F32ToF16(want_k)));
              ASSERT_EQ(v, F16ToF32(F32ToF16(want_v)));
            }
          }
        }
      }
    }
  }
}

TEST(KvCacheTest, Int8UsesBlocksOf32WhenTheHeadSizeAllows) {
  KvCache cache(1, 1, 64, 10, KvDType::kQ8);
  EXPECT_EQ(cache.q8_block(), 32);
  cache.Reserve(1);
  std::vector<float> key(64), value(64, 0.0f);
  for (int c = 0; c < 64; ++c) key[c] = c < 32 ? 100.0f + c : 0.01f * c;
  cache.Write(0, 0, key.data(), value.data());
  EXPECT_EQ(cache.KeyScales(0, 0, 0)[0], 131.0f / 127.0f);
  EXPECT_EQ(cache.KeyScales(0, 0, 0)[1], 0.63f / 127.0f);  // the small block keeps its own scale
  EXPECT_EQ(cache.ValueScales(0, 0, 0)[0], 0.0f);
  EXPECT_EQ(cache.bytes(), 2 * 10 * 64 + 2 * 10 * 2 * 4);
}

TEST(KvCacheTest, GrowthDoublesAndStopsAtTheLimit) {
  KvCache cache(1, 2, 4, 100);
  cache.Reserve(1);
  EXPECT_EQ(cache.bytes(), 2 * 64 * 2 * 4 * 4);  // at least 64 rows at first
  cache.Reserve(65);
  EXPECT_EQ(cache.bytes(), 2 * 100 * 2 * 4 * 4);  // 128 capped at max_tokens
}

}  // namespace
}  // namespace litertlm
