#include "kernels/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/linear.h"
#include "kernels/pack.h"

namespace litertlm {
namespace {

std::vector<float> RandomVector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(QuantizeTest, Int8LayoutAndRounding) {
  // Row 0: absmax 2.54 → scale 0.02; row 1 all zero.
  std::vector<float> w = {2.54f, -1.27f, 0.01f, 0.03f, 0, 0, 0, 0};
  auto q = QuantizeMatrix(w.data(), 2, 4, DType::kI8);
  ASSERT_TRUE(q.ok()) << q.status().message();
  ASSERT_EQ(q->data.size(), 8u);
  EXPECT_FLOAT_EQ(q->scales[0], 2.54f / 127.0f);
  EXPECT_EQ(static_cast<int8_t>(q->data[0]), 127);
  EXPECT_EQ(static_cast<int8_t>(q->data[1]), -64);  // -63.5 → ties to even
  EXPECT_EQ(static_cast<int8_t>(q->data[2]), 0);    // 0.5 → 0 (ties to even)
  EXPECT_EQ(static_cast<int8_t>(q->data[3]), 2);    // 1.5 → 2
  EXPECT_EQ(q->scales[1], 0.0f);
  for (int k = 4; k < 8; ++k) EXPECT_EQ(q->data[static_cast<size_t>(k)], 0);
}

TEST(QuantizeTest, Int4NibbleOrder) {
  // One row of 128: element k = (k % 15 - 7) · 0.5 → q = k % 15 - 7 exactly (absmax 3.5, s = 0.5).
  std::vector<float> w(128);
  for (int k = 0; k < 128; ++k) w[static_cast<size_t>(k)] = static_cast<float>(k % 15 - 7) * 0.5f;
  for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
    auto q = QuantizeMatrix(w.data(), 1, 128, t);
    ASSERT_TRUE(q.ok());
    ASSERT_EQ(q->data.size(), 64u);
    for (int i = 0; i < 64; ++i) {
      EXPECT_EQ(q->data[static_cast<size_t>(i)] & 15, i % 15 - 7 + 8) << i;
      EXPECT_EQ(q->data[static_cast<size_t>(i)] >> 4, (64 + i) % 15 - 7 + 8) << i;
    }
    EXPECT_EQ(q->scales.size(), t == DType::kI4Block32 ? 4u : 1u);
  }
}

TEST(QuantizeTest, RejectsBadInput) {
  std::vector<float> w(2 * 96, 1.0f);
  EXPECT_FALSE(QuantizeMatrix(w.data(), 2, 96, DType::kI4Block32).ok());  // 96 % 128 != 0
  EXPECT_FALSE(QuantizeMatrix(w.data(), 2, 0, DType::kI8).ok());
  EXPECT_FALSE(QuantizeMatrix(w.data(), 2, 96, DType::kI32).ok());
  w[5] = NAN;
  auto bad = QuantizeMatrix(w.data(), 2, 96, DType::kI8);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("row 0, col 5"), std::string::npos);
}

// Dequantized weights are within half a step of the originals; packing does not change them.
TEST(QuantizeTest, RoundTripAndPackedDequantizeAgree) {
  const int64_t rows = 7, cols = 256;
  auto w = RandomVector(static_cast<size_t>(rows * cols), 1);
  for (DType t : {DType::kI8, DType::kI4Block32, DType::kI4Block128, DType::kF16, DType::kBF16}) {
    auto q = QuantizeMatrix(w.data(), rows, cols, t);
    ASSERT_TRUE(q.ok());
    std::vector<float> stored(static_cast<size_t>(rows * cols)), packed(stored.size());
    DequantizeRows(q->view(), 0, rows, stored.data(), cols);
    auto p = PackMatrix(q->view());
    ASSERT_TRUE(p.ok()) << p.status().message();
    DequantizeRows((*p)->view, 0, rows, packed.data(), cols);
    EXPECT_EQ(stored, packed) << DTypeName(t);
    for (int64_t n = 0; n < rows; ++n) {
      float absmax = 0;
      for (int64_t k = 0; k < cols; ++k) absmax = std::max(absmax, std::fabs(w[static_cast<size_t>(n * cols + k)]));
      float tol = t == DType::kI8 ? absmax / 127 * 0.5f + 1e-6f
                : t == DType::kF16 ? absmax * 1e-3f
                : t == DType::kBF16 ? absmax * 8e-3f : absmax / 7 * 0.5f + 1e-6f;
      for (int64_t k = 0; k < cols; ++k) {
        size_t i = static_cast<size_t>(n * cols + k);
        EXPECT_NEAR(stored[i], w[i], tol) << DTypeName(t) << " " << n << "," << k;
      }
      std::vector<float> row(static_cast<size_t>(cols));
      MatrixRow((*p)->view, n, row.data());
      EXPECT_EQ(0, std::memcmp(row.data(), stored.data() + n * cols, row.size() * 4));
    }
  }
}

TEST(QuantizeTest, PackRejectsUnsupported) {
  std::vector<float> w(64, 1.0f);
  Matrix f32{DType::kF32, 4, 16, w.data(), nullptr};
  EXPECT_FALSE(PackMatrix(f32).ok());
  std::vector<uint8_t> bytes(16, 1);
  bytes[5] = 0x80;  // -128
  std::vector<float> scales(2, 1.0f);
  Matrix i8{DType::kI8, 2, 8, bytes.data(), scales.data()};
  auto bad = PackMatrix(i8);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("row 0, col 5"), std::string::npos);
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

// XNNPACK's f32 → qd8 rounding, worked by hand: x = [−1, 0, 3] → s = 4/255, zero point
// round(−128 + 63.75) = −64, q = [−128, −64, 127], x̃ = (q + 64)·s.
TEST(AsymmetricRoundActivationRowTest, MatchesXnnpackQd8ByHand) {
  const float x[3] = {-1.0f, 0.0f, 3.0f};
  float out[3];
  AsymmetricRoundActivationRow(x, 3, out);
  const float s = 4.0f / 255.0f;
  EXPECT_FLOAT_EQ(out[0], -64.0f * s);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  EXPECT_FLOAT_EQ(out[2], 191.0f * s);
}

TEST(AsymmetricRoundActivationRowTest, AllZeroRowStaysZero) {
  const float x[2] = {0.0f, 0.0f};
  float out[2] = {1.0f, 1.0f};
  AsymmetricRoundActivationRow(x, 2, out);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

// The quantizer rounds x·multiplier without nearbyint (kernels/quantize.cc); a reference with
// nearbyint (round half to even) must give the same bytes, ties included.
TEST(AsymmetricQuantizeActivationRowTest, RoundsAsNearbyintIncludingTies) {
  auto reference = [](const std::vector<float>& x, std::vector<int8_t>* q) {
    float lo = 0.0f, hi = 0.0f;
    for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
    const float multiplier = lo == hi ? 1.0f : 255.0f / (hi - lo);
    const float dmin = lo * multiplier, dmax = hi * multiplier;
    float zp = (-128.0f + dmin) + (127.0f + dmax) > 0.0f ? -128.0f - dmin : 127.0f - dmax;
    zp = std::nearbyint(std::clamp(zp, -128.0f, 127.0f));
    for (size_t k = 0; k < x.size(); ++k)
      (*q)[k] = static_cast<int8_t>(std::clamp(std::nearbyint(x[k] * multiplier) + zp, -128.0f, 127.0f));
    return static_cast<int32_t>(zp);
  };
  std::vector<std::vector<float>> rows = {
      {-127.5f, 127.5f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -126.5f}};  // scale 1: ties
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.3f, 2.0f);
  for (int r = 0; r < 50; ++r) {
    std::vector<float> x(static_cast<size_t>(1 + r * 13));
    for (float& v : x) v = d(rng);
    rows.push_back(x);
  }
  for (const auto& x : rows) {
    std::vector<int8_t> want(x.size()), got(x.size() + 3, 1);
    const int32_t want_zp = reference(x, &want);
    int32_t zp = 0;
    AsymmetricQuantizeActivationRow(x.data(), static_cast<int64_t>(x.size()), static_cast<int64_t>(x.size()) + 3,
                                    got.data(), &zp);
    EXPECT_EQ(zp, want_zp);
    EXPECT_EQ(std::vector<int8_t>(got.begin(), got.begin() + static_cast<long>(x.size())), want) << x.size();
    EXPECT_EQ(got[x.size()], 0);
  }
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

// A row with lo = −hi, from the layer-0 q/k/v input of a random Gemma-3-1B-shaped dynamic_int8
// file, where XNNPACK's arithmetic and (hi − lo)/255 with divisions part: XNNPACK's multiplier
// 255/(hi − lo) puts the ends at ±127.5000076, so the zero point −0.5000076 rounds to −1, hi to
// 128 − 1 = 127 and lo to −129, clamped to −128 (x̃ = 128·s and −127·s); the divisions gave
// ±127.5 exactly, zero point 0, q = ±127 -- a step at the row's largest value, 5e-4 of the
// projections' outputs and, 26 layers on, a different greedy token than Google's runtime.
TEST(AsymmetricQuantizeActivationRowTest, SymmetricRowRoundsAsXnnpack) {
  const float h = 1.6572810411453247f;
  const float x[3] = {-h, 0.25f, h};
  int8_t q[3] = {0, 0, 0};
  int32_t zp = 7;
  const float s = AsymmetricQuantizeActivationRow(x, 3, 3, q, &zp);
  EXPECT_EQ(zp, -1);
  EXPECT_EQ(q[0], -128);
  EXPECT_EQ(q[1], 18);  // round(0.25 · 76.93324) − 1
  EXPECT_EQ(q[2], 127);
  EXPECT_EQ(s, 1.0f / (255.0f / (h + h)));
  float rounded[3];
  AsymmetricRoundActivationRow(x, 3, rounded);
  EXPECT_EQ(rounded[0], -127.0f * s);
  EXPECT_EQ(rounded[2], 128.0f * s);
}

// XNNPACK's convert kernel multiplies by the multiplier m = 255/(hi − lo) itself
// (xnn_compute_f32_qx8_convert), not by 1/s = 1/(1/m), which for this row's m (55.43018) is one
// ulp larger (55.430183): x·m = −96.5 exactly (a tie, to even: −96) but x·(1/s) = −96.50001
// (−97). The row is layer 4's k/q input at position 16 of the tiny gemma3_mqa checkpoint
// converted to dynamic_int8 (the values its own range needs: lo, hi, x); that one step made our
// greedy text part from Google's runtime at token 19.
TEST(AsymmetricQuantizeActivationRowTest, MultipliesByTheMultiplierAsXnnpack) {
  const float lo = -0x1.3710fcp+1f, hi = 0x1.15c854p+1f, x = -0x1.bdad84p+0f;
  const float row[3] = {lo, hi, x};
  const float multiplier = 255.0f / (hi - lo);
  ASSERT_EQ(x * multiplier, -96.5f);
  ASSERT_NE(x * (1.0f / (1.0f / multiplier)), -96.5f);  // the case this test is about
  int8_t q[3];
  int32_t zp = 0;
  AsymmetricQuantizeActivationRow(row, 3, 3, q, &zp);
  EXPECT_EQ(zp, 7);
  EXPECT_EQ(q[2] - zp, -96);
}

}  // namespace
}  // namespace litertlm
