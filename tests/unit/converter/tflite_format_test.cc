// `convert --format tflite` on the Gemma 3 fixtures, read back by our own engine: the file's
// logits are the checkpoint's (fp32), including gemma3_mqa's final logit soft-cap (10), which the
// writer emits as DIV/TANH/MUL and the importer must recognise. Google's runtime on the same files:
// tests/google_runtime/google_runtime_test.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "litertlm/converter.h"
#include "litertlm/model.h"
#include "litertlm/session.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

using testing::GoldenDir;
using testing::ScratchDir;

class TfliteFormatTest : public ::testing::TestWithParam<const char*> {};

TEST_P(TfliteFormatTest, Fp32FileGivesTheCheckpointsLogits) {
  const std::string fixture = GoldenDir() + "/models/" + GetParam();
  const std::string out = ScratchDir() + "/model.litertlm";
  ConvertOptions options;
  options.format = FileFormat::kTflite;
  options.quantization = Quantization::kFp32;
  options.prefill_seq_lens = {8};
  options.kv_cache_max_len = 64;
  auto result = Convert(fixture, out, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto converted = ModelLoader::Load(out);
  ASSERT_TRUE(converted.ok()) << converted.status().ToString();
  auto checkpoint = ModelLoader::Load(fixture);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  auto a = Session::Create(*checkpoint);
  auto b = Session::Create(*converted);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::vector<TokenId> prompt = {2, 393, 418, 466, 385, 390, 408, 452, 451, 395, 401, 394};
  ASSERT_TRUE((*a)->Prefill(prompt).ok());
  ASSERT_TRUE((*b)->Prefill(prompt).ok());
  for (int step = 0; step < 16; ++step) {
    const auto want = (*a)->LastLogits();
    const auto got = (*b)->LastLogits();
    ASSERT_EQ(want.size(), got.size());
    float max_ref = 0, max_diff = 0;
    for (size_t v = 0; v < want.size(); ++v) {
      max_ref = std::max(max_ref, std::fabs(want[v]));
      max_diff = std::max(max_diff, std::fabs(got[v] - want[v]));
    }
    ASSERT_LE(max_diff, 1e-4f * max_ref) << GetParam() << " step " << step;
    const TokenId next = static_cast<TokenId>(std::max_element(want.begin(), want.end()) - want.begin());
    ASSERT_TRUE((*a)->Prefill(std::span(&next, 1)).ok());
    ASSERT_TRUE((*b)->Prefill(std::span(&next, 1)).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Gemma3, TfliteFormatTest, ::testing::Values("gemma3_mqa", "gemma3_sliding"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace litertlm
