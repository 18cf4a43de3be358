// --int8-activations google (Int8Activations::kLikeGoogleRuntime) on the TFLite files the
// converter writes gives Google's runtime's logits bit for bit: the tiny checkpoints converted
// to dynamic_int8 TFLite files (prefill 8, KV length 64) against the logits of the files' own
// `decode` signature run by XNNPACK (ai_edge_litert 2.3.0) over the same tokens (12, or 19),
// tests/golden/xnnpack_float/<set>/logits_<checkpoint>.f32 for the kernel set XNNPACK picks on
// this host (avx512 or avx2; tests/tools/make_xnnpack_float_fixtures.py records the hosts and the
// command). The default (exact) mode is not Google's arithmetic and differs. Also fp32, fp16 and
// (avx2 set) int4 blockwise files.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/xnnpack_float.h"
#include "litertlm/converter.h"
#include "litertlm/model.h"
#include "litertlm/session.h"
#include "unit/test_util.h"
#include "unit/xnnpack_fixtures.h"

namespace litertlm {
namespace {

using testing::GoldenDir;
using testing::ScratchDir;

// The fixture script's LOGITS_CASES: gemma3_mqa's tokens reach position 18, past the rounding
// tie at position 16 (quantize_test.cc MultipliesByTheMultiplierAsXnnpack).
std::vector<TokenId> Ids(const std::string& checkpoint) {
  if (checkpoint == "gemma3_mqa")
    return {2, 393, 418, 466, 385, 390, 408, 452, 451, 395, 401, 394, 436, 348, 348, 245, 245, 245, 436};
  return {2, 17, 300, 45, 99, 5, 200, 77, 31, 8, 150, 60};
}

// The host's kernel set's logits (google mode computes that set's steps).
std::vector<float> XnnpackLogits(const std::string& checkpoint) {
  return testing::XnnpackFixture(xnnpack_float::HostKernelSet(), "logits_" + checkpoint);
}

// Why this host cannot check the logits, or empty: no fixture set for its kernels (no AVX2/FMA3),
// or a set whose RSQRT estimate is another CPU vendor's (tests/unit/xnnpack_fixtures.h).
std::string CannotCheckHere() {
  const xnnpack_float::KernelSet set = xnnpack_float::HostKernelSet();
  if (set == xnnpack_float::KernelSet::kNone) return "XNNPACK's kernels on this CPU (no AVX2/FMA3) are not reproduced";
  return testing::RsqrtDiffersReason(set);
}

int BitwiseDifferent(std::span<const float> a, const std::vector<float>& b) {
  int n = 0;
  for (size_t i = 0; i < b.size(); ++i) n += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return n;
}

// `checkpoint` (under `models`) converted with `quantization` to a TFLite file: google mode's
// logits equal XNNPACK's (`golden`) bit for bit, whole prompt and token by token; exact mode's do
// not. int4: with --int4-embedding (Google's int4 recipe), held to a 0.2 top-1 agreement, and
// exact mode not compared (it takes the same qd8 activations there, and on the *_wide
// checkpoints its fp32 ops happen to give the same logits at these tokens).
void ExpectXnnpackLogits(const std::string& checkpoint, Quantization quantization,
                         const std::string& golden, const std::string& models = "/models/") {
  const bool int4 = quantization == Quantization::kDynamicInt4Block32 || quantization == Quantization::kDynamicInt4Block128;
  const std::vector<float> xnnpack = XnnpackLogits(golden);
  ASSERT_FALSE(xnnpack.empty()) << testing::XnnpackFixtureDir(xnnpack_float::HostKernelSet()) << "/logits_" << golden;
  const std::string out = ScratchDir() + "/" + golden + ".litertlm";
  ConvertOptions options;
  options.format = FileFormat::kTflite;
  options.quantization = quantization;
  options.prefill_seq_lens = {8};
  options.kv_cache_max_len = 64;
  if (int4) {
    options.int4_embedding = true;
    options.min_agreement = 0.2;
  }
  auto converted = Convert(GoldenDir() + models + checkpoint, out, options);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  for (Int8Activations mode : {Int8Activations::kLikeGoogleRuntime, Int8Activations::kExact}) {
    LoadOptions load;
    load.num_threads = 2;
    load.int8_activations = mode;
    auto model = ModelLoader::Load(out, load);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    // The whole prompt in one prefill, and one token at a time (Google's decode signature).
    auto whole = Session::Create(*model);
    auto stepwise = Session::Create(*model);
    ASSERT_TRUE(whole.ok() && stepwise.ok());
    const std::vector<TokenId> ids = Ids(checkpoint);
    ASSERT_TRUE((*whole)->Prefill(ids).ok());
    for (TokenId t : ids) ASSERT_TRUE((*stepwise)->Prefill(std::span(&t, 1)).ok());
    ASSERT_EQ((*whole)->LastLogits().size(), xnnpack.size());
    if (mode == Int8Activations::kLikeGoogleRuntime) {
      EXPECT_EQ(BitwiseDifferent((*whole)->LastLogits(), xnnpack), 0) << golden;
      EXPECT_EQ(BitwiseDifferent((*stepwise)->LastLogits(), xnnpack), 0) << golden;
    } else if (!int4) {
      EXPECT_GT(BitwiseDifferent((*whole)->LastLogits(), xnnpack), 0) << golden;
    }
  }
}

class XnnpackLogitsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(XnnpackLogitsTest, GoogleModeGivesXnnpacksLogitsBitForBit) {
  if (const std::string why = CannotCheckHere(); !why.empty()) GTEST_SKIP() << why;
  ExpectXnnpackLogits(GetParam(), Quantization::kDynamicInt8, GetParam());
}

// fp32 and fp16 files: FULLY_CONNECTED is XNNPACK's f32-gemm (fp16 weights widened by
// DEQUANTIZE), one FMA chain per output in k order (Matrix::xnnpack_fma_order), not OpenBLAS's.
class XnnpackFloatLogitsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(XnnpackFloatLogitsTest, GoogleModeFloatProjectionsGiveXnnpacksLogitsBitForBit) {
  if (const std::string why = CannotCheckHere(); !why.empty()) GTEST_SKIP() << why;
  ExpectXnnpackLogits(GetParam(), Quantization::kFp32, std::string(GetParam()) + "_fp32");
  ExpectXnnpackLogits(GetParam(), Quantization::kFp16, std::string(GetParam()) + "_fp16");
}

// int4 blockwise files of the *_wide checkpoints (tests/golden/google/models, rows of 128, every
// projection, the embedding and the tied LM head int4): FULLY_CONNECTED is XNNPACK's qd8 × qb4w
// (Matrix::qb4w_scales: bf16 block scales, four lanes per output). Fixtures exist for the avx2
// set only: XNNPACK runs other qb4w kernels on AVX-512 VNNI CPUs.
class XnnpackInt4LogitsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(XnnpackInt4LogitsTest, GoogleModeInt4ProjectionsGiveXnnpacksLogitsBitForBit) {
  if (const std::string why = CannotCheckHere(); !why.empty()) GTEST_SKIP() << why;
  if (xnnpack_float::HostKernelSet() != xnnpack_float::KernelSet::kAvx2)
    GTEST_SKIP() << "int4 logits fixtures exist for the avx2 set only (XNNPACK's AVX2 qb4w kernels)";
  ExpectXnnpackLogits(GetParam(), Quantization::kDynamicInt4Block32, std::string(GetParam()) + "_int4b32",
                      "/google/models/");
  ExpectXnnpackLogits(GetParam(), Quantization::kDynamicInt4Block128, std::string(GetParam()) + "_int4b128",
                      "/google/models/");
}

INSTANTIATE_TEST_SUITE_P(WideCheckpoints, XnnpackInt4LogitsTest, ::testing::Values("qwen3_wide", "gemma3_wide"));

INSTANTIATE_TEST_SUITE_P(TinyCheckpoints, XnnpackLogitsTest,
                         ::testing::Values("qwen3_gqa", "gemma3_sliding", "gemma3_mqa"));
// make_xnnpack_float_fixtures.py's FLOAT_LOGITS_CASES.
INSTANTIATE_TEST_SUITE_P(TinyCheckpoints, XnnpackFloatLogitsTest,
                         ::testing::Values("qwen3_gqa", "gemma3_sliding"));

}  // namespace
}  // namespace litertlm
