#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <vector>

#include "util/half.h"

namespace litertlm {
namespace {

float Value(int layer, int pos, int head, int c, bool is_value) {
  return static_cast<float>(layer * 1000 + pos) + 0.25f * head + 0.0078125f * c + (is_value ? 0.5f : 0.0f);
}

// Rows written head-major per position come back as one contiguous run per KV head, across
// several capacity doublings, in both dtypes.
TEST(KvCacheTest, RowsAreContiguousPerHeadAcrossGrowth) {
  constexpr int kLayers = 2, kHeads = 3, kDim = 8, kMax = 300;
  for (KvDType dtype : {KvDType::kF32, KvDType::kF16}) {
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
    EXPECT_EQ(cache.bytes(), int64_t{2} * kLayers * kMax * kHeads * kDim * (dtype == KvDType::kF32 ? 4 : 2));
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

TEST(KvCacheTest, GrowthDoublesAndStopsAtTheLimit) {
  KvCache cache(1, 2, 4, 100);
  cache.Reserve(1);
  EXPECT_EQ(cache.bytes(), 2 * 64 * 2 * 4 * 4);  // at least 64 rows at first
  cache.Reserve(65);
  EXPECT_EQ(cache.bytes(), 2 * 100 * 2 * 4 * 4);  // 128 capped at max_tokens
}

}  // namespace
}  // namespace litertlm
