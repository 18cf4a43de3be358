#include "kernels/attention_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "util/half.h"

namespace litertlm {
namespace {

// The AVX2 path (when the CPU has it) against the scalar path, on lengths that are and are not
// multiples of the vector width; fp16 conversion is bit-exact (round to nearest even).
TEST(AttentionOpsTest, FastPathMatchesScalar) {
  const AttentionOps& scalar = ScalarAttentionOps();
  const AttentionOps* fast = Avx2AttentionOps();
  if (fast == nullptr) GTEST_SKIP() << "no AVX2 on this CPU: only the scalar path exists";
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int n : {1, 7, 8, 15, 16, 17, 64, 128, 255, 256}) {
    std::vector<float> q(n), k(n), y1(n), y2(n);
    for (int i = 0; i < n; ++i) {
      q[i] = dist(rng);
      k[i] = dist(rng);
      y1[i] = y2[i] = dist(rng);
    }
    std::vector<uint16_t> h1(n), h2(n);
    scalar.to_f16(k.data(), h1.data(), n);
    fast->to_f16(k.data(), h2.data(), n);
    EXPECT_EQ(h1, h2) << n;
    const float tol = 1e-5f * n;
    EXPECT_NEAR(scalar.dot_f32(q.data(), k.data(), n), fast->dot_f32(q.data(), k.data(), n), tol) << n;
    EXPECT_NEAR(scalar.dot_f16(q.data(), h1.data(), n), fast->dot_f16(q.data(), h1.data(), n), tol) << n;
    scalar.axpy_f32(0.37f, k.data(), y1.data(), n);
    fast->axpy_f32(0.37f, k.data(), y2.data(), n);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(y1[i], y2[i], 1e-6f) << n;
    scalar.axpy_f16(-1.5f, h1.data(), y1.data(), n);
    fast->axpy_f16(-1.5f, h1.data(), y2.data(), n);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(y1[i], y2[i], 1e-5f) << n;
  }
}

TEST(AttentionOpsTest, ScalarDotF16MatchesWidenedValues) {
  std::vector<float> q = {1.0f, -2.0f, 0.5f};
  std::vector<uint16_t> k = {F32ToF16(0.1f), F32ToF16(0.2f), F32ToF16(-4.0f)};
  const float want = 1.0f * F16ToF32(k[0]) - 2.0f * F16ToF32(k[1]) + 0.5f * F16ToF32(k[2]);
  EXPECT_FLOAT_EQ(ScalarAttentionOps().dot_f16(q.data(), k.data(), 3), want);
}

}  // namespace
}  // namespace litertlm
