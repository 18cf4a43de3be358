// Activation functions against double-precision references over the whole useful range
// (including saturation and the tails where a naive 1 + tanh cancels).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/elementwise.h"

namespace litertlm {
namespace {

std::vector<float> Inputs() {
  std::vector<float> v;
  for (int i = -40000; i <= 40000; ++i) v.push_back(static_cast<float>(i) * 1e-3f);  // ±40, step 1e-3
  for (float big : {60.0f, 87.5f, 100.0f, 1e4f, 3e38f}) {
    v.push_back(big);
    v.push_back(-big);
  }
  return v;
}

double GeluTanhRef(double v) {
  return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
}
double SiluRef(double v) { return v / (1.0 + std::exp(-v)); }

template <typename Fn, typename Ref>
void ExpectClose(Fn fn, Ref ref, const char* name) {
  std::vector<float> x = Inputs();
  std::vector<float> y(x.size());
  // y = 1 except a few entries, to check the multiply too.
  for (size_t i = 0; i < y.size(); ++i) y[i] = i % 7 == 0 ? -2.5f : 1.0f;
  std::vector<float> out = x;
  fn(out.data(), y.data(), static_cast<int64_t>(out.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = ref(static_cast<double>(x[i])) * y[i];
    ASSERT_TRUE(std::isfinite(out[i])) << name << "(" << x[i] << ")";
    // Relative to max(|want|, 1e-6): an absolute floor for results near zero. The bound is 4e-6:
    // the fp32 argument of exp (GELU's 1.6·(v + 0.0447·v³), SiLU's −v) carries a rounding of
    // about |arg|·6e-8, which exp turns into that relative error; at the floor's edge
    // (gelu_tanh(−4.88), arg ≈ −16) it reaches 2.0e-6.
    const double err = std::fabs(out[i] - want) / std::fmax(std::fabs(want), 1e-6);
    worst = std::fmax(worst, err);
    ASSERT_LT(err, 4e-6) << name << "(" << x[i] << ") = " << out[i] << ", want " << want;
  }
  std::printf("%s: max relative error %.3g over %zu inputs\n", name, worst, x.size());
}

TEST(ElementwiseTest, GeluTanhMulMatchesDoubleReference) {
  ExpectClose(GeluTanhMul, GeluTanhRef, "gelu_tanh");
}

TEST(ElementwiseTest, SiluMulMatchesDoubleReference) { ExpectClose(SiluMul, SiluRef, "silu"); }

TEST(ElementwiseTest, SoftmaxInPlaceMatchesDoubleReference) {
  for (int n : {1, 7, 15, 16, 17, 33, 1000, 1031}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) x[i] = static_cast<float>((i * 37) % 101) * 0.9f - 40.0f;
    std::vector<double> want(x.begin(), x.end());
    double max_value = *std::max_element(want.begin(), want.end()), sum = 0;
    for (double& v : want) sum += (v = std::exp(v - max_value));
    SoftmaxInPlace(x.data(), n);
    double total = 0;
    for (int i = 0; i < n; ++i) {
      total += x[i];
      EXPECT_NEAR(x[i], want[i] / sum, 1e-6 * want[i] / sum + 1e-12) << n << " " << i;
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
  }
}

// The maximum found in the lanes' remainder (past the last full group of 16) and in the first
// element: the result still sums to one and matches the reference.
TEST(ElementwiseTest, SoftmaxInPlaceFindsTheMaximumAnywhere) {
  for (int n : {19, 35}) {
    for (int at : {0, n - 1}) {
      std::vector<float> x(static_cast<size_t>(n), -3.0f);
      for (int i = 0; i < n; ++i) x[i] += 0.01f * static_cast<float>(i);
      x[at] = 50.0f;
      SoftmaxInPlace(x.data(), n);
      EXPECT_NEAR(x[at], 1.0f, 1e-6) << n << " " << at;
      for (int i = 0; i < n; ++i) {
        if (i != at) {
          EXPECT_LT(x[i], 1e-20f) << n << " " << i;
        }
      }
    }
  }
}

// RopeAngles + ApplyRopeAngles (one angle table for all heads of a position) give exactly the
// bits of ApplyRope, for odd head sizes and far positions.
TEST(ElementwiseTest, RopeAnglesAreBitIdenticalToApplyRope) {
  for (int d : {2, 6, 34, 128, 256}) {
    std::vector<float> inv_freq(static_cast<size_t>(d / 2));
    for (int i = 0; i < d / 2; ++i)
      inv_freq[i] = 1.0f / std::pow(10000.0f, static_cast<float>(2 * i) / static_cast<float>(d));
    for (int64_t pos : {0, 1, 37, 2047, 131071}) {
      std::vector<float> a(static_cast<size_t>(d)), cos(a.size() / 2), sin(a.size() / 2);
      for (int i = 0; i < d; ++i) a[i] = std::sin(0.7f * static_cast<float>(i) + 0.3f) * 3.0f;
      std::vector<float> b = a;
      ApplyRope(a.data(), d, pos, inv_freq.data());
      RopeAngles(d, pos, inv_freq.data(), cos.data(), sin.data());
      ApplyRopeAngles(b.data(), d, cos.data(), sin.data());
      for (int i = 0; i < d; ++i) EXPECT_EQ(a[i], b[i]) << d << " " << pos << " " << i;
    }
  }
}

// Lengths that are not multiples of any vector width give the same values element by element.
TEST(ElementwiseTest, TailsAgreeWithFullVectors) {
  std::vector<float> x(37), y(37, 1.0f);
  for (int i = 0; i < 37; ++i) x[i] = static_cast<float>(i - 18) * 0.37f;
  std::vector<float> all = x;
  GeluTanhMul(all.data(), y.data(), 37);
  for (int i = 0; i < 37; ++i) {
    float one = x[i];
    GeluTanhMul(&one, &y[i], 1);
    EXPECT_EQ(one, all[i]) << i;
  }
}

}  // namespace
}  // namespace litertlm
