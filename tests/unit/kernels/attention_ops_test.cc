#include "kernels/attention_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "util/half.h"

namespace litertlm {
namespace {

// The F16C path (when the CPU has it) against the scalar path, on lengths that are and are not
// multiples of the vector width: both directions are bit-exact (round to nearest even; widening
// is exact), including subnormals, infinities and signed zeros.
TEST(AttentionOpsTest, FastPathMatchesScalarBitForBit) {
  const AttentionOps& scalar = ScalarAttentionOps();
  const AttentionOps* fast = Avx2AttentionOps();
  if (fast == nullptr) GTEST_SKIP() << "no AVX2/F16C on this CPU: only the scalar path exists";
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  for (int n : {1, 7, 8, 15, 16, 17, 64, 128, 255, 256}) {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = dist(rng);
    x[0] = n % 2 ? 1e-6f : -0.0f;  // fp16 subnormal / signed zero
    if (n > 3) x[3] = std::numeric_limits<float>::infinity();
    std::vector<uint16_t> h1(n), h2(n);
    scalar.to_f16(x.data(), h1.data(), n);
    fast->to_f16(x.data(), h2.data(), n);
    EXPECT_EQ(h1, h2) << n;
    std::vector<float> w1(n), w2(n);
    scalar.to_f32(h1.data(), w1.data(), n);
    fast->to_f32(h1.data(), w2.data(), n);
    EXPECT_EQ(0, std::memcmp(w1.data(), w2.data(), n * sizeof(float))) << n;
    for (int i = 0; i < n; ++i) EXPECT_EQ(F32ToF16(w1[i]), h1[i]) << n << " " << i;  // round trip
  }
}

// Reference in double for the few-query products.
double RefDot(const float* q, const float* k, int d) {
  double s = 0;
  for (int c = 0; c < d; ++c) s += double{q[c]} * k[c];
  return s;
}

// scores and accumulate of every path (scalar, AVX2) against double references, for fp32, fp16
// and int8 rows (int8 blocks of 32, or of the whole row when d is not a multiple of 32: vector
// and scalar-fallback widths), over row counts, key counts and head sizes that are and are not
// multiples of the 4-key, 2-row and 8-column blocks, with strides larger than the row (as in a
// cache slice).
TEST(AttentionOpsTest, FewQueryProductsMatchReference) {
  std::vector<const AttentionOps*> paths = {&ScalarAttentionOps()};
  if (Avx2AttentionOps() != nullptr) paths.push_back(Avx2AttentionOps());
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (const AttentionOps* ops : paths) {
    for (int d : {1, 7, 8, 20, 64, 128}) {
      for (int64_t n : {1, 3, 4, 5, 17, 40}) {
        for (int rows : {1, 2, 3, 5}) {
          const int64_t ldq = d + 3, ldk = d + 5, ldo = n + 2;
          std::vector<float> q(rows * ldq), k(n * ldk), p(rows * ldo);
          for (float& x : q) x = dist(rng);
          for (float& x : k) x = dist(rng);
          for (float& x : p) x = std::abs(dist(rng));
          std::vector<uint16_t> k16(k.size());
          ScalarAttentionOps().to_f16(k.data(), k16.data(), static_cast<int>(k.size()));
          std::vector<float> k16w(k.size());
          ScalarAttentionOps().to_f32(k16.data(), k16w.data(), static_cast<int>(k.size()));
          // int8 rows are contiguous (stride d): the reference is their exact dequantization,
          // laid out at stride ldk like the others.
          const int block = d % 32 == 0 ? 32 : d;
          std::vector<int8_t> k8(n * d);
          std::vector<float> k8s(n * d / block), k8w(k.size());
          for (int64_t j = 0; j < n; ++j) {
            QuantizeQ8Blocks(&k[j * ldk], &k8[j * d], &k8s[j * d / block], d, block);
            for (int c = 0; c < d; ++c) k8w[j * ldk + c] = k8[j * d + c] * k8s[j * d / block + c / block];
          }
          for (int kind : {0, 1, 2}) {  // fp32, fp16, int8
            const std::vector<float>& kv = kind == 0 ? k : kind == 1 ? k16w : k8w;
            std::vector<float> scores(rows * ldo, -7.0f);
            std::vector<float> out(rows * ldq, 1.0f);
            if (kind == 0) {
              ops->scores_f32(q.data(), ldq, rows, k.data(), ldk, n, d, 0.5f, scores.data(), ldo);
              ops->accumulate_f32(p.data(), ldo, rows, k.data(), ldk, n, d, out.data(), ldq);
            } else if (kind == 1) {
              ops->scores_f16(q.data(), ldq, rows, k16.data(), ldk, n, d, 0.5f, scores.data(), ldo);
              ops->accumulate_f16(p.data(), ldo, rows, k16.data(), ldk, n, d, out.data(), ldq);
            } else {
              ops->scores_q8(q.data(), ldq, rows, k8.data(), k8s.data(), n, d, block, 0.5f,
                             scores.data(), ldo);
              ops->accumulate_q8(p.data(), ldo, rows, k8.data(), k8s.data(), n, d, block, out.data(),
                                 ldq);
            }
            for (int r = 0; r < rows; ++r) {
              for (int64_t j = 0; j < n; ++j) {
                const double want = 0.5 * RefDot(&q[r * ldq], &kv[j * ldk], d);
                ASSERT_NEAR(scores[r * ldo + j], want, 1e-5 * d) << d << " " << n << " " << rows;
              }
              for (int64_t j = n; j < ldo; ++j) ASSERT_EQ(scores[r * ldo + j], -7.0f);  // untouched
              for (int c = 0; c < d; ++c) {
                double want = 1.0;
                for (int64_t j = 0; j < n; ++j) want += double{p[r * ldo + j]} * kv[j * ldk + c];
                ASSERT_NEAR(out[r * ldq + c], want, 1e-5 * n) << d << " " << n << " " << rows;
              }
              for (int64_t c = d; c < ldq; ++c) ASSERT_EQ(out[r * ldq + c], 1.0f);
            }
          }
        }
      }
    }
  }
}

// Block int8: every value comes back within half a step (scale / 2) of its block, the scale is
// max|x| / 127 of that block (so one large block does not coarsen the next), an all-zero block
// stays zero, and the AVX2 widening is bit-exact against the scalar one (a single rounded
// product either way), for blocks that are and are not multiples of the vector width.
TEST(AttentionOpsTest, Q8BlocksRoundTripWithinHalfAStep) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int block : {32, 20, 8, 128}) {
    const int n = block * 4;
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    for (int i = 0; i < block; ++i) x[i] *= 50.0f;  // an outlier block
    std::fill(x.begin() + 2 * block, x.begin() + 3 * block, 0.0f);
    std::vector<int8_t> q(n);
    std::vector<float> scales(4);
    QuantizeQ8Blocks(x.data(), q.data(), scales.data(), n, block);
    std::vector<float> back(n), fast_back(n);
    ScalarAttentionOps().q8_to_f32(q.data(), scales.data(), back.data(), n, block);
    for (int b = 0; b < 4; ++b) {
      float amax = 0;
      for (int i = 0; i < block; ++i) amax = std::max(amax, std::abs(x[b * block + i]));
      EXPECT_EQ(scales[b], amax / 127.0f) << block << " " << b;
      for (int i = b * block; i < (b + 1) * block; ++i) {
        ASSERT_LE(std::abs(back[i] - x[i]), scales[b] * 0.5f * (1 + 1e-6f)) << block << " " << i;
        ASSERT_GE(q[i], -127);
      }
    }
    EXPECT_EQ(scales[2], 0.0f);
    EXPECT_LT(scales[1], scales[0] / 10);
    if (Avx2AttentionOps() != nullptr) {
      Avx2AttentionOps()->q8_to_f32(q.data(), scales.data(), fast_back.data(), n, block);
      EXPECT_EQ(0, std::memcmp(back.data(), fast_back.data(), n * sizeof(float))) << block;
    }
  }
}

// The vector path's decode scores round as the scalar path's (and Google's XNNPACK): each dot
// product sequentially over the head dimension, each product rounded before its add, then times
// the scale. Bit for bit, for fp32 and fp16 keys, at head sizes (256: Gemma 3) and key counts
// that are and are not multiples of the 8-key blocks, and group sizes above the 8 query rows a
// block holds at once.
TEST(AttentionOpsTest, VectorScoresAreSequentialDotProducts) {
  const AttentionOps* ops = Avx2AttentionOps();
  if (ops == nullptr) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int d : {8, 64, 256, 20}) {
    for (int64_t n : {1, 7, 8, 9, 24, 37}) {
      for (int rows : {1, 4, 10}) {
        const int64_t ldq = d + 3, ldk = d + 5, ldo = n + 2;
        std::vector<float> q(rows * ldq), k(n * ldk);
        for (float& v : q) v = dist(rng);
        for (float& v : k) v = dist(rng);
        std::vector<uint16_t> k16(k.size());
        for (size_t i = 0; i < k.size(); ++i) k16[i] = F32ToF16(k[i]);
        for (bool half : {false, true}) {
          std::vector<float> out(rows * ldo, -7.0f);
          if (half) {
            ops->scores_f16(q.data(), ldq, rows, k16.data(), ldk, n, d, 0.125f, out.data(), ldo);
          } else {
            ops->scores_f32(q.data(), ldq, rows, k.data(), ldk, n, d, 0.125f, out.data(), ldo);
          }
          for (int r = 0; r < rows; ++r) {
            for (int64_t j = 0; j < n; ++j) {
              volatile float sum = 0.0f;  // volatile: each product rounded, no FMA contraction
              for (int c = 0; c < d; ++c) {
                const float kv = half ? F16ToF32(k16[j * ldk + c]) : k[j * ldk + c];
                volatile float prod = q[r * ldq + c] * kv;
                sum = sum + prod;
              }
              ASSERT_EQ(out[r * ldo + j], sum * 0.125f) << "d " << d << " n " << n << " rows " << rows << " half " << half;
            }
            for (int64_t j = n; j < ldo; ++j) ASSERT_EQ(out[r * ldo + j], -7.0f);
          }
        }
      }
    }
  }
}

// And its P·V adds each rounded product in key order (no FMA), bit for bit the scalar path's.
TEST(AttentionOpsTest, VectorAccumulateEqualsScalarBitForBit) {
  const AttentionOps* ops = Avx2AttentionOps();
  if (ops == nullptr) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  std::mt19937 rng(6);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int d : {8, 64, 256, 20}) {
    for (int64_t n : {1, 3, 4, 9, 37}) {
      for (int rows : {1, 4, 10}) {
        const int64_t ldp = n + 2, ldv = d + 5, ldo = d + 1;
        std::vector<float> p(rows * ldp), v(n * ldv), start(rows * ldo);
        for (float& x : p) x = dist(rng);
        for (float& x : v) x = dist(rng);
        for (float& x : start) x = dist(rng);
        std::vector<uint16_t> v16(v.size());
        for (size_t i = 0; i < v.size(); ++i) v16[i] = F32ToF16(v[i]);
        for (bool half : {false, true}) {
          std::vector<float> fast = start, scalar = start;
          if (half) {
            ops->accumulate_f16(p.data(), ldp, rows, v16.data(), ldv, n, d, fast.data(), ldo);
            ScalarAttentionOps().accumulate_f16(p.data(), ldp, rows, v16.data(), ldv, n, d, scalar.data(), ldo);
          } else {
            ops->accumulate_f32(p.data(), ldp, rows, v.data(), ldv, n, d, fast.data(), ldo);
            ScalarAttentionOps().accumulate_f32(p.data(), ldp, rows, v.data(), ldv, n, d, scalar.data(), ldo);
          }
          ASSERT_EQ(0, std::memcmp(fast.data(), scalar.data(), fast.size() * sizeof(float)))
              << "d " << d << " n " << n << " rows " << rows << " half " << half;
        }
      }
    }
  }
}

TEST(AttentionOpsTest, ScalarWideningMatchesF16ToF32) {
  const std::vector<uint16_t> h = {F32ToF16(0.1f), F32ToF16(-2.5f), 0x0001, 0x7c00, 0xfbff};
  std::vector<float> w(h.size());
  ScalarAttentionOps().to_f32(h.data(), w.data(), static_cast<int>(h.size()));
  for (size_t i = 0; i < h.size(); ++i) EXPECT_EQ(w[i], F16ToF32(h[i])) << i;
  EXPECT_EQ(w[1], -2.5f);
  EXPECT_EQ(w[4], -65504.0f);
}

}  // namespace
}  // namespace litertlm
