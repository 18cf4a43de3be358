// The kInt4Rows16 int4 layout (kernels/pack.h) and its kernels (gemm_i4r16): the re-layout keeps
// every weight and scale, and Linear on it equals, bit for bit at every kernel level, thread count
// and row count, a reference computed here straight from the stored row-major bytes by the
// definition in I4GemmArgs (exact integer block sums, fma per block, times the activation scale),
// for symmetric and for XNNPACK-qd8 (asymmetric) activations; likewise the google-mode form
// (PrepareXnnpackQb4w, XNNPACK's qd8 × qb4w arithmetic) against its definition.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"
#include "kernels/linear.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"
#include "util/half.h"

namespace litertlm {
namespace {

std::vector<float> RandomVector(size_t n, uint32_t seed, float offset = 0.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng) + offset;
  return v;
}

// The stored nibble (q + 8) of element (n, k), kernels/quantize.h's row-major layout.
int Nibble(const QuantizedMatrix& q, int64_t n, int64_t k) {
  const uint8_t byte = q.data[static_cast<size_t>(n * q.cols / 2 + (k / 128) * 64 + k % 64)];
  return k % 128 < 64 ? byte & 15 : byte >> 4;
}

// y[i, n] by I4GemmArgs's definition, from the stored bytes; activations quantized as Linear does.
std::vector<float> Reference(const QuantizedMatrix& q, const std::vector<float>& x, int64_t m,
                             bool asymmetric) {
  const int64_t k_total = q.cols, block = ScaleBlock(q.dtype, k_total), blocks = k_total / block;
  std::vector<float> y(static_cast<size_t>(m * q.rows));
  std::vector<int8_t> xq(static_cast<size_t>(k_total));
  for (int64_t i = 0; i < m; ++i) {
    int32_t zp = 0;
    const float* row = x.data() + i * k_total;
    const float s = asymmetric ? AsymmetricQuantizeActivationRow(row, k_total, k_total, xq.data(), &zp)
                               : QuantizeActivationRow(row, k_total, k_total, xq.data());
    for (int64_t n = 0; n < q.rows; ++n) {
      float f = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        int32_t acc = 0;
        for (int64_t k = b * block; k < (b + 1) * block; ++k) {
          acc += (Nibble(q, n, k) - 8) * (xq[static_cast<size_t>(k)] - zp);
        }
        f = std::fma(static_cast<float>(acc), q.scales[static_cast<size_t>(n * blocks + b)], f);
      }
      y[static_cast<size_t>(i * q.rows + n)] = f * s;
    }
  }
  return y;
}

struct Shape {
  int64_t n, k;
};
// Rows below, at and across multiples of 16; K of 1, 3, 5 and 18 groups of 128.
const Shape kShapes[] = {{1, 128}, {15, 384}, {16, 256}, {17, 640}, {33, 128}, {100, 2304}};

TEST(Int4Rows16Test, RelayoutKeepsEveryWeightAndScale) {
  for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
    for (const Shape& s : kShapes) {
      auto w = RandomVector(static_cast<size_t>(s.n * s.k), 3);
      auto q = std::move(QuantizeMatrix(w.data(), s.n, s.k, t)).value();
      auto packed4 = std::move(PackMatrix(q.view())).value();
      auto from_rows = PackInt4Rows16(q.view());
      auto from_packed = PackInt4Rows16(packed4->view);
      ASSERT_TRUE(from_rows.ok()) << from_rows.status().message();
      ASSERT_TRUE(from_packed.ok()) << from_packed.status().message();
      const PackedMatrix& a = **from_rows;
      const PackedMatrix& b = **from_packed;
      EXPECT_EQ(a.view.layout, MatrixLayout::kInt4Rows16);
      ASSERT_EQ(a.data.size(), static_cast<size_t>(Rows16Rows(s.n) * s.k / 2));
      ASSERT_EQ(a.data.size(), b.data.size());
      EXPECT_EQ(0, std::memcmp(a.data.data(), b.data.data(), a.data.size()));
      ASSERT_EQ(a.scales.size(), b.scales.size());
      EXPECT_EQ(0, std::memcmp(a.scales.data(), b.scales.data(), a.scales.size()));
      std::vector<float> want(static_cast<size_t>(s.n * s.k)), got(want.size(), -1.0f);
      DequantizeRows(q.view(), 0, s.n, want.data(), s.k);
      DequantizeRows(a.view, 0, s.n, got.data(), s.k);
      EXPECT_EQ(got, want) << DTypeName(t) << " " << s.n << "x" << s.k;
      // The layout equation of kernels/pack.h, element by element.
      const auto* bytes = a.data.data();
      const int64_t block = ScaleBlock(t, s.k);
      const float* scales = reinterpret_cast<const float*>(a.scales.data());
      for (int64_t n = 0; n < s.n; n += 7) {
        for (int64_t k = 0; k < s.k; k += 5) {
          const uint8_t byte = bytes[((n / 16) * (s.k / 8) + k / 8) * 64 + 4 * (n % 16) + k % 4];
          EXPECT_EQ(k % 8 < 4 ? byte & 15 : byte >> 4, Nibble(q, n, k)) << n << "," << k;
        }
        for (int64_t blk = 0; blk < s.k / block; ++blk) {
          EXPECT_EQ(scales[((n / 16) * (s.k / block) + blk) * 16 + n % 16],
                    q.scales[static_cast<size_t>(n * (s.k / block) + blk)]);
        }
      }
    }
  }
}

// Large matrices are re-laid out on several threads: the same bytes as on one, for a row count
// that does not split evenly into 16-row groups per thread.
TEST(Int4Rows16Test, ThreadedRelayoutEqualsSingleThreaded) {
  const int64_t n = 1043, k = 1024;  // ≥ 1 Mi elements: the threaded path
  auto w = RandomVector(static_cast<size_t>(n * k), 17);
  auto q = std::move(QuantizeMatrix(w.data(), n, k, DType::kI4Block32)).value();
  auto one = std::move(PackInt4Rows16(q.view(), 1)).value();
  for (int threads : {2, 3, 8}) {
    auto many = std::move(PackInt4Rows16(q.view(), threads)).value();
    ASSERT_EQ(one->data.size(), many->data.size());
    EXPECT_EQ(0, std::memcmp(one->data.data(), many->data.data(), one->data.size())) << threads;
    ASSERT_EQ(one->scales.size(), many->scales.size());
    EXPECT_EQ(0, std::memcmp(one->scales.data(), many->scales.data(), one->scales.size())) << threads;
  }
}

TEST(Int4Rows16Test, RejectsWhatItCannotLayOut) {
  auto w = RandomVector(256 * 4, 5);
  auto i8 = std::move(QuantizeMatrix(w.data(), 4, 256, DType::kI8)).value();
  EXPECT_FALSE(PackInt4Rows16(i8.view()).ok());
  auto i4 = std::move(QuantizeMatrix(w.data(), 4, 256, DType::kI4Block32)).value();
  auto rows16 = std::move(PackInt4Rows16(i4.view())).value();
  EXPECT_FALSE(PackInt4Rows16(rows16->view).ok());
  Matrix narrow = i4.view();
  narrow.cols = 96;  // not whole 128-groups of the stored nibble order
  EXPECT_FALSE(PackInt4Rows16(narrow).ok());
}

// Linear on kInt4Rows16: every level, 1 and 2 threads, m from 1 past the kernels' row blocks
// (AVX-512: 4, AVX2: 2) — bit-identical to the reference.
TEST(Int4Rows16Test, LinearEqualsDefinitionExactly) {
  for (bool asymmetric : {false, true}) {
    for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
      for (const Shape& s : kShapes) {
        auto w = RandomVector(static_cast<size_t>(s.n * s.k), 7);
        auto q = std::move(QuantizeMatrix(w.data(), s.n, s.k, t)).value();
        auto packed = std::move(PackInt4Rows16(q.view())).value();
        Matrix mat = packed->view;
        mat.asymmetric_activations = asymmetric;
        for (int64_t m : {1, 2, 3, 4, 5, 9}) {
          // Off-centre activations make the qd8 zero point non-zero.
          auto x = RandomVector(static_cast<size_t>(m * s.k), static_cast<uint32_t>(11 + m), asymmetric ? 0.4f : 0.0f);
          const std::vector<float> want = Reference(q, x, m, asymmetric);
          for (const KernelTable* kt : SupportedKernels()) {
            for (int threads : {1, 2}) {
              KernelContext ctx(threads);
              ctx.set_kernels(kt);
              std::vector<float> y(static_cast<size_t>(m * s.n), -7.0f);
              Linear(ctx, mat, x.data(), m, y.data());
              EXPECT_EQ(y, want) << DTypeName(t) << " " << s.n << "x" << s.k << " m=" << m << " "
                                 << kt->name << " threads=" << threads << " asym=" << asymmetric;
            }
          }
        }
      }
    }
  }
}

// y[i, n] by I4GemmArgs's gemm_i4r16_xnnpack definition (XNNPACK's qd8 × qb4w), from the stored
// bytes: bf16 scales, the per-row init over 16-input chunks, four lanes by (k mod 8) / 2.
std::vector<float> XnnpackReference(const QuantizedMatrix& q, const std::vector<float>& x, int64_t m) {
  const int64_t k_total = q.cols, block = ScaleBlock(q.dtype, k_total), blocks = k_total / block;
  auto scale = [&](int64_t n, int64_t b) {
    return Bf16ToF32(F32ToBf16(q.scales[static_cast<size_t>(n * blocks + b)]));
  };
  std::vector<float> y(static_cast<size_t>(m * q.rows));
  std::vector<int8_t> xq(static_cast<size_t>(k_total));
  for (int64_t i = 0; i < m; ++i) {
    int32_t zp = 0;
    const float s = AsymmetricQuantizeActivationRow(x.data() + i * k_total, k_total, k_total, xq.data(), &zp);
    for (int64_t n = 0; n < q.rows; ++n) {
      float init = 0.0f;
      for (int64_t c = 0; c < k_total; c += 16) {
        int32_t sum = 0;
        for (int64_t k = c; k < c + 16; ++k) sum += Nibble(q, n, k) - 8;
        init -= static_cast<float>(sum) * scale(n, c / block);
      }
      float lane[4] = {init * static_cast<float>(zp), 0.0f, 0.0f, 0.0f};
      for (int64_t b = 0; b < blocks; ++b) {
        int32_t acc[4] = {0, 0, 0, 0};
        for (int64_t k = b * block; k < (b + 1) * block; ++k)
          acc[(k % 8) / 2] += (Nibble(q, n, k) - 8) * xq[static_cast<size_t>(k)];
        for (int j = 0; j < 4; ++j) lane[j] = std::fma(static_cast<float>(acc[j]), scale(n, b), lane[j]);
      }
      y[static_cast<size_t>(i * q.rows + n)] = ((lane[0] + lane[1]) + (lane[2] + lane[3])) * s;
    }
  }
  return y;
}

// PrepareXnnpackQb4w: the file's scales stay (the embedding lookup reads them), the qb4w ones are
// their bfloat16 roundings; other layouts are refused.
TEST(Int4Rows16Test, PrepareXnnpackQb4wKeepsTheScalesAndAddsBf16Ones) {
  auto w = RandomVector(static_cast<size_t>(17 * 640), 21);
  for (float& v : w) v *= 1e-3f;  // small scales: the bf16 rounding moves some
  auto q = std::move(QuantizeMatrix(w.data(), 17, 640, DType::kI4Block32)).value();
  auto packed = std::move(PackInt4Rows16(q.view())).value();
  const std::vector<uint8_t> scales_before(packed->scales.data(), packed->scales.data() + packed->scales.size());
  ASSERT_TRUE(PrepareXnnpackQb4w(*packed).ok());
  const Matrix& v = packed->view;
  EXPECT_EQ(0, std::memcmp(scales_before.data(), packed->scales.data(), scales_before.size()));
  ASSERT_NE(v.qb4w_scales, nullptr);
  ASSERT_NE(v.qb4w_init, nullptr);
  int moved = 0;
  for (int64_t i = 0; i < Rows16Rows(17) * 640 / 32; ++i) {
    EXPECT_EQ(v.qb4w_scales[i], Bf16ToF32(F32ToBf16(v.scales[i])));
    moved += v.qb4w_scales[i] != v.scales[i];
  }
  EXPECT_GT(moved, 0);
  std::vector<float> want(static_cast<size_t>(17 * 640)), got(want.size());
  DequantizeRows(q.view(), 0, 17, want.data(), 640);
  DequantizeRows(v, 0, 17, got.data(), 640);
  EXPECT_EQ(got, want);
  auto i8 = std::move(QuantizeMatrix(w.data(), 17, 640, DType::kI8)).value();
  auto packed8 = std::move(PackMatrix(i8.view())).value();
  EXPECT_FALSE(PrepareXnnpackQb4w(*packed8).ok());
}

// Linear on a PrepareXnnpackQb4w matrix: every level, 1 and 2 threads, m from 1 past the row
// blocks — bit-identical to XnnpackReference.
TEST(Int4Rows16Test, XnnpackQb4wLinearEqualsDefinitionExactly) {
  for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
    for (const Shape& s : kShapes) {
      auto w = RandomVector(static_cast<size_t>(s.n * s.k), 7);
      auto q = std::move(QuantizeMatrix(w.data(), s.n, s.k, t)).value();
      auto packed = std::move(PackInt4Rows16(q.view())).value();
      ASSERT_TRUE(PrepareXnnpackQb4w(*packed).ok());
      for (int64_t m : {1, 2, 3, 5}) {
        auto x = RandomVector(static_cast<size_t>(m * s.k), static_cast<uint32_t>(11 + m), 0.4f);
        const std::vector<float> want = XnnpackReference(q, x, m);
        for (const KernelTable* kt : SupportedKernels()) {
          for (int threads : {1, 2}) {
            KernelContext ctx(threads);
            ctx.set_kernels(kt);
            std::vector<float> y(static_cast<size_t>(m * s.n), -7.0f);
            Linear(ctx, packed->view, x.data(), m, y.data());
            EXPECT_EQ(y, want) << DTypeName(t) << " " << s.n << "x" << s.k << " m=" << m << " "
                               << kt->name << " threads=" << threads;
          }
        }
      }
    }
  }
}

// Against the other layouts' routes: symmetric = the kPacked4x64 int4 kernels (same integer block
// sums, float summation order differs); asymmetric = rounded activations × dequantized weights in
// fp32 (the route Google's int4 files took before), equal up to float rounding.
TEST(Int4Rows16Test, AgreesWithPacked4x64Routes) {
  const int64_t n_rows = 77, k = 640;
  auto w = RandomVector(static_cast<size_t>(n_rows * k), 9);
  for (bool asymmetric : {false, true}) {
    for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
      auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, t)).value();
      auto old_layout = std::move(PackMatrix(q.view())).value();
      auto new_layout = std::move(PackInt4Rows16(q.view())).value();
      Matrix a = old_layout->view, b = new_layout->view;
      a.asymmetric_activations = b.asymmetric_activations = asymmetric;
      for (int64_t m : {1, 6}) {
        auto x = RandomVector(static_cast<size_t>(m * k), 13, asymmetric ? 0.4f : 0.0f);
        std::vector<float> ya(static_cast<size_t>(m * n_rows)), yb(ya.size());
        KernelContext ctx(1);
        // Both layouts on their int8-activation kernels at m > 1 too (hosts without AVX-512 VNNI
        // would otherwise run the kPacked4x64 prefill as dequantized weights × fp32 activations).
        ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kInt8);
        Linear(ctx, a, x.data(), m, ya.data());
        Linear(ctx, b, x.data(), m, yb.data());
        float max_abs = 0.0f;
        for (float v : ya) max_abs = std::max(max_abs, std::fabs(v));
        ASSERT_GT(max_abs, 0.0f);
        for (size_t j = 0; j < ya.size(); ++j) {
          EXPECT_NEAR(yb[j], ya[j], 2e-6f * max_abs) << DTypeName(t) << " m=" << m << " asym=" << asymmetric << " at " << j;
        }
      }
    }
  }
}

}  // namespace
}  // namespace litertlm
