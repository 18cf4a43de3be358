// kernels/xnnpack_float.h against XNNPACK itself: tests/golden/xnnpack_float/<set>/ holds the
// outputs of one-op TFLite models run by ai_edge_litert 2.3.0's interpreter (XNNPACK) on the
// inputs XnnInputs makes, one set per kernel set XNNPACK picks (avx512: an AVX-512 host; avx2: an
// AVX2/FMA3 host without AVX-512; tests/tools/make_xnnpack_float_fixtures.py documents the hosts
// and the command). The tests run once per set, on any x86 host (a set's steps are the function's
// `set` argument), except where RSQRT's estimate instruction is needed (HostCanRun: the avx512
// set's RMS norm on an AVX-512 host only); every value must be bit-identical. Also one int4
// blockwise FULLY_CONNECTED (XNNPACK's qd8 × qb4w) through Linear (XnnpackQb4w).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/linear.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"
#include "kernels/xnnpack_float.h"
#include "unit/test_util.h"
#include "unit/xnnpack_fixtures.h"

namespace litertlm {
namespace {

namespace xf = xnnpack_float;

// The fixture script's generator: (k − 2^23) · 2^(scale_log2 − 23), k from a 32-bit LCG.
std::vector<float> XnnInputs(uint32_t seed, int64_t n, int scale_log2) {
  std::vector<float> out(static_cast<size_t>(n));
  uint32_t s = seed;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    const int32_t k = static_cast<int32_t>(s >> 8) - (1 << 23);
    v = static_cast<float>(k) * std::ldexp(1.0f, scale_log2 - 23);
  }
  return out;
}

using xf::KernelSet;

std::vector<float> Fixture(KernelSet set, const std::string& name) {
  std::vector<float> v = testing::XnnpackFixture(set, name);
  EXPECT_FALSE(v.empty()) << testing::XnnpackFixtureDir(set) << "/" << name << ".f32";
  return v;
}

// One fixture set per test instance: each set's steps are computed on any host, except RSQRT's
// estimate instruction (rsqrt14 for avx512, vrsqrtps for avx2), which the tests involving RSQRT
// need on the CPU (HostCanRun): on an AVX2 host, those skip the avx512 set.
class XnnpackFloatSet : public ::testing::TestWithParam<KernelSet> {};

// Bit-identical, element by element (the first few differences are printed).
void ExpectBitIdentical(const std::vector<float>& ours, const std::vector<float>& xnnpack,
                        const std::string& what) {
  ASSERT_EQ(ours.size(), xnnpack.size()) << what;
  int differ = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    if (std::memcmp(&ours[i], &xnnpack[i], sizeof(float)) != 0 && ++differ <= 3) {
      ADD_FAILURE() << what << "[" << i << "]: ours " << ours[i] << ", XNNPACK " << xnnpack[i]
                    << " (diff " << ours[i] - xnnpack[i] << ")";
    }
  }
  EXPECT_EQ(differ, 0) << what << ": values that differ from XNNPACK's";
}

TEST(XnnpackFloat, HostKernelSetIsXnnpacksChoice) {
  const KernelSet set = xf::HostKernelSet();
  EXPECT_TRUE(xf::HostCanRun(set)) << xf::KernelSetName(set);
  EXPECT_TRUE(xf::HostCanRun(KernelSet::kNone));
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  const KernelSet expected = __builtin_cpu_supports("avx512f") ? KernelSet::kAvx512
                             : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                 ? KernelSet::kAvx2
                                 : KernelSet::kNone;
  EXPECT_EQ(set, expected) << xf::KernelSetName(set);
#endif
  // The host's own set has fixtures whenever it is one whose kernels are reproduced.
  if (set != KernelSet::kNone) {
    EXPECT_FALSE(testing::XnnpackFixture(set, "sin").empty()) << xf::KernelSetName(set);
  }
}

TEST_P(XnnpackFloatSet, RmsNormDecompositionIsXnnpacks) {
  const KernelSet set = GetParam();
  if (!xf::HostCanRun(set)) GTEST_SKIP() << "this CPU lacks the set's RSQRT estimate instruction";
  if (const std::string why = testing::RsqrtDiffersReason(set); !why.empty()) GTEST_SKIP() << why;
  for (int n : {640, 256, 1152, 128, 100}) {
    const int rows = 4;
    const std::vector<float> x = XnnInputs(1000 + n, int64_t{rows} * n, 2);
    std::vector<float> w = XnnInputs(1001 + n, n, -2);
    for (float& v : w) v = 1.0f + v;
    std::vector<float> out(x.size());
    for (int r = 0; r < rows; ++r)
      xf::RmsNorm(x.data() + r * n, w.data(), n, 1e-6f, /*plus_one=*/false, out.data() + r * n, set);
    ExpectBitIdentical(out, Fixture(set, "rms_norm_" + std::to_string(n)), "rms_norm n=" + std::to_string(n));
    // plus_one folds 1 + w in fp32 first, as the writer stores Gemma's norms.
    std::vector<float> w0 = XnnInputs(1001 + n, n, -2), folded(x.size());
    for (int r = 0; r < rows; ++r)
      xf::RmsNorm(x.data() + r * n, w0.data(), n, 1e-6f, /*plus_one=*/true, folded.data() + r * n, set);
    ExpectBitIdentical(folded, out, "rms_norm plus_one n=" + std::to_string(n));
  }
}

TEST_P(XnnpackFloatSet, RsqrtOfInfinityIsZeroAsXnnpacks) {
  if (!xf::HostCanRun(GetParam())) GTEST_SKIP() << "this CPU lacks the set's RSQRT estimate instruction";
  EXPECT_EQ(xf::Rsqrt(std::numeric_limits<float>::infinity(), GetParam()), 0.0f);
  EXPECT_NEAR(xf::Rsqrt(4.0f, GetParam()), 0.5f, 1e-7f);
}

// The RSQRT op alone: rsqrt.f32 (the avx2 set's: vrsqrtps and its Newton-Raphson step; the
// avx512 set was made before the script wrote it).
TEST_P(XnnpackFloatSet, RsqrtIsXnnpacks) {
  const KernelSet set = GetParam();
  if (!xf::HostCanRun(set)) GTEST_SKIP() << "this CPU lacks the set's RSQRT estimate instruction";
  if (const std::string why = testing::RsqrtDiffersReason(set); !why.empty()) GTEST_SKIP() << why;
  const std::vector<float> expected = testing::XnnpackFixture(set, "rsqrt");
  if (set == KernelSet::kAvx512 && expected.empty()) GTEST_SKIP() << "no avx512/rsqrt.f32 (RmsNorm checks rsqrt14)";
  const std::vector<float> x = XnnInputs(31, 4096, 3);
  std::vector<float> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = xf::Rsqrt(std::fabs(x[i]) + 0x1p-20f, set);
  ExpectBitIdentical(out, expected, "RSQRT");
}

TEST_P(XnnpackFloatSet, SinAndCosOfRopeAnglesAreXnnpacks) {
  const KernelSet set = GetParam();
  const std::vector<float> angles = Fixture(set, "rope_angles");
  ASSERT_FALSE(angles.empty());
  std::vector<float> sin(angles.size()), cos(angles.size());
  for (size_t i = 0; i < angles.size(); ++i) {
    sin[i] = xf::Sin(angles[i]);
    cos[i] = xf::Cos(angles[i]);
  }
  ExpectBitIdentical(sin, Fixture(set, "sin"), "sin");
  ExpectBitIdentical(cos, Fixture(set, "cos"), "cos");
  // RopeAngles is cos/sin of float(pos) · inv_freq.
  const float inv_freq[2] = {angles[128 + 5], angles[128 + 6]};  // pos 1 of the first table
  float c[2], s[2];
  xf::RopeAngles(2, 1, inv_freq, c, s);
  EXPECT_EQ(c[0], xf::Cos(inv_freq[0]));
  EXPECT_EQ(s[1], xf::Sin(inv_freq[1]));
}

TEST_P(XnnpackFloatSet, ActivationsAreXnnpacks) {
  const KernelSet set = GetParam();
  const std::vector<float> x = XnnInputs(7, 2048, 3);
  std::vector<float> gelu(x.size()), sigmoid(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    gelu[i] = xf::ApproxGelu(x[i]);
    sigmoid[i] = xf::Sigmoid(x[i], set);
  }
  ExpectBitIdentical(gelu, Fixture(set, "gelu_approximate"), "GELU(approximate)");
  ExpectBitIdentical(sigmoid, Fixture(set, "logistic"), "LOGISTIC");
  // The gated forms: (act(g)) · u and (g · σ(g)) · u, each product rounded.
  const std::vector<float> u(x.size(), 3.0f);
  std::vector<float> g(x.begin(), x.end());
  xf::ApproxGeluMul(g.data(), u.data(), static_cast<int64_t>(g.size()));
  for (size_t i = 0; i < g.size(); ++i) ASSERT_EQ(g[i], gelu[i] * 3.0f) << i;
  std::copy(x.begin(), x.end(), g.begin());
  xf::SiluMul(g.data(), u.data(), static_cast<int64_t>(g.size()), set);
  for (size_t i = 0; i < g.size(); ++i) ASSERT_EQ(g[i], (x[i] * sigmoid[i]) * 3.0f) << i;
}

TEST_P(XnnpackFloatSet, TanhAndSoftCapAreXnnpacks) {
  const KernelSet set = GetParam();
  const std::vector<float> x = XnnInputs(7, 2048, 3);
  std::vector<float> tanh(x.size());
  for (size_t i = 0; i < x.size(); ++i) tanh[i] = xf::Tanh(x[i]);
  ExpectBitIdentical(tanh, Fixture(set, "tanh"), "TANH");
  std::vector<float> logits = XnnInputs(8, 1024, 6);
  xf::SoftCap(logits.data(), static_cast<int64_t>(logits.size()), 30.0f);
  ExpectBitIdentical(logits, Fixture(set, "soft_cap_30"), "DIV, TANH, MUL by 30");
}

TEST_P(XnnpackFloatSet, SoftmaxOfMaskedRowsIsXnnpacks) {
  const KernelSet set = GetParam();
  struct Case {
    const char* name;
    int rows, n;
    uint32_t seed;
    std::vector<int> visible;
  };
  for (const Case& k : {Case{"softmax_1280", 4, 1280, 11, {1, 77, 1000, 1280}},
                        Case{"softmax_100", 2, 100, 12, {3, 100}}}) {
    std::vector<float> x = XnnInputs(k.seed, int64_t{k.rows} * k.n, 4);
    for (int r = 0; r < k.rows; ++r) {
      float* row = x.data() + int64_t{r} * k.n;
      for (int j = k.visible[r]; j < k.n; ++j) row[j] = -std::numeric_limits<float>::infinity();
      xf::Softmax(row, k.n, set);
    }
    ExpectBitIdentical(x, Fixture(set, k.name), k.name);
  }
  // A row cut at the next multiple of 64 (what the attention does) sums as the full row.
  std::vector<float> full = XnnInputs(11, 1280, 4), cut;
  for (int j = 77; j < 1280; ++j) full[j] = -std::numeric_limits<float>::infinity();
  cut.assign(full.begin(), full.begin() + 128);
  xf::Softmax(full.data(), 1280, set);
  xf::Softmax(cut.data(), 128, set);
  for (int j = 0; j < 128; ++j) ASSERT_EQ(cut[j], full[j]) << j;
}

TEST_P(XnnpackFloatSet, BatchMatmulDotIsXnnpacks) {
  const KernelSet set = GetParam();
  struct Case {
    const char* name;
    int m, n, k;
    uint32_t seed;
    int a_log2, b_log2;
  };
  for (const Case& c : {Case{"batch_matmul_qk", 4, 64, 256, 21, 1, 1},
                        Case{"batch_matmul_pv", 4, 32, 1280, 23, -1, 2}}) {
    const std::vector<float> a = XnnInputs(c.seed, int64_t{c.m} * c.k, c.a_log2);
    const std::vector<float> b = XnnInputs(c.seed + 1, int64_t{c.n} * c.k, c.b_log2);
    std::vector<float> out(static_cast<size_t>(c.m) * c.n);
    for (int i = 0; i < c.m; ++i)
      for (int j = 0; j < c.n; ++j)
        out[static_cast<size_t>(i) * c.n + j] =
            xf::Dot(a.data() + int64_t{i} * c.k, b.data() + int64_t{j} * c.k, c.k);
    ExpectBitIdentical(out, Fixture(set, c.name), c.name);
    // DotRows: the same chains, several rows at once (16-row blocks and a remainder).
    std::vector<float> rows(static_cast<size_t>(c.n));
    xf::DotRows(a.data(), b.data(), c.k, c.n - 3, c.k, rows.data());
    for (int j = 0; j < c.n - 3; ++j) ASSERT_EQ(rows[j], out[j]) << c.name << " row " << j;
    // FmaStep over the k rows of Bᵀ is the chains of A's first row, one k at a time.
    std::vector<float> bt(static_cast<size_t>(c.k) * c.n), acc(static_cast<size_t>(c.n), 0.0f);
    for (int j = 0; j < c.n; ++j)
      for (int i = 0; i < c.k; ++i) bt[static_cast<size_t>(i) * c.n + j] = b[static_cast<size_t>(j) * c.k + i];
    for (int i = 0; i < c.k; ++i) xf::FmaStep(a[i], bt.data() + int64_t{i} * c.n, c.n, acc.data());
    for (int j = 0; j < c.n; ++j) ASSERT_EQ(acc[j], out[j]) << c.name << " column " << j;
  }
}

// The fixture script's lcg_ints: s >> 8 of the same LCG.
std::vector<int64_t> XnnInts(uint32_t seed, int64_t n) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  uint32_t s = seed;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    v = s >> 8;
  }
  return out;
}

// The fixture script's qb4w_operands(block) as a stored kRowMajor int4 matrix (kernels/quantize.h:
// nibble q + 8, group byte i = elements i and 64 + i) with the FLOAT16 scales as floats, and the
// activations.
constexpr int64_t kQb4wRows = 3, kQb4wK = 3072, kQb4wN = 40;
QuantizedMatrix Qb4wWeights(int block) {
  QuantizedMatrix q;
  q.dtype = block == 32 ? DType::kI4Block32 : DType::kI4Block128;
  q.rows = kQb4wN;
  q.cols = kQb4wK;
  q.data.assign(static_cast<size_t>(kQb4wN * kQb4wK / 2), 0);
  const std::vector<int64_t> w = XnnInts(41 + block, kQb4wN * kQb4wK);
  for (int64_t n = 0; n < kQb4wN; ++n) {
    for (int64_t k = 0; k < kQb4wK; ++k) {
      const int nibble = static_cast<int>(w[static_cast<size_t>(n * kQb4wK + k)] % 16);  // q + 8
      uint8_t& byte = q.data[static_cast<size_t>(n * kQb4wK / 2 + (k / 128) * 64 + k % 64)];
      byte = static_cast<uint8_t>(byte | (k % 128 < 64 ? nibble : nibble << 4));
    }
  }
  for (int64_t v : XnnInts(43 + block, kQb4wN * (kQb4wK / block))) {
    q.scales.push_back(v % 3 == 0 ? static_cast<float>(1 + v % 1023) * std::ldexp(1.0f, -24)
                                  : static_cast<float>(1024 + v % 1024) * std::ldexp(1.0f, static_cast<int>(-24 + (v >> 10) % 8)));
  }
  return q;
}

// One int4 blockwise FULLY_CONNECTED (K = 3072; a third of the block scales subnormal halves,
// which XNNPACK rounds to bfloat16): Linear on the loader's google-mode form of the matrix
// (PrepareXnnpackQb4w) gives XNNPACK's outputs bit for bit at every kernel level, whole and row
// by row; the plain kInt4Rows16 route (one fma chain over blocks of the file's scales) does not.
// XNNPACK runs these AVX2 kernels on AVX2/FMA3 CPUs without AVX-512 VNNI (the avx2 set); the
// arithmetic is the same on any host.
TEST(XnnpackQb4w, FullyConnectedIsXnnpacks) {
  for (int block : {32, 128}) {
    const std::string name = "fully_connected_qb4w_b" + std::to_string(block);
    const std::vector<float> xnnpack = Fixture(KernelSet::kAvx2, name);
    const QuantizedMatrix q = Qb4wWeights(block);
    const std::vector<float> x = XnnInputs(47 + block, kQb4wRows * kQb4wK, 2);
    auto packed = PackInt4Rows16(q.view());
    ASSERT_TRUE(packed.ok()) << packed.status().message();
    const Matrix plain = (*packed)->view;
    ASSERT_TRUE(PrepareXnnpackQb4w(**packed).ok());
    const Matrix qb4w = (*packed)->view;
    for (const KernelTable* kt : SupportedKernels()) {
      KernelContext ctx(2);
      ctx.set_kernels(kt);
      std::vector<float> y(static_cast<size_t>(kQb4wRows * kQb4wN)), by_row(y.size());
      Linear(ctx, qb4w, x.data(), kQb4wRows, y.data());
      ExpectBitIdentical(y, xnnpack, name + " " + kt->name);
      for (int64_t i = 0; i < kQb4wRows; ++i)
        Linear(ctx, qb4w, x.data() + i * kQb4wK, 1, by_row.data() + i * kQb4wN);
      ExpectBitIdentical(by_row, xnnpack, name + " row by row " + kt->name);
      Linear(ctx, plain, x.data(), kQb4wRows, y.data());
      int differ = 0;
      for (size_t i = 0; i < y.size(); ++i) differ += std::memcmp(&y[i], &xnnpack[i], sizeof(float)) != 0;
      EXPECT_GT(differ, 0) << name << ": the plain int4 route is not XNNPACK's arithmetic";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(KernelSets, XnnpackFloatSet, ::testing::Values(KernelSet::kAvx512, KernelSet::kAvx2),
                         [](const ::testing::TestParamInfo<KernelSet>& param_info) {
                           return std::string(xf::KernelSetName(param_info.param));
                         });

}  // namespace
}  // namespace litertlm
