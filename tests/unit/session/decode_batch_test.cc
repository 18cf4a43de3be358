// ContextState::DecodeBatch (Transformer::DecodeBatch underneath): one decode step for several
// states, each with its own KV cache and position, must give every state the logits and cache a
// step of its own gives it (the projections then run as one GEMM over the rows instead of a GEMV
// per state, so the match is to rounding, not bit for bit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "model/loaded_model.h"
#include "litertlm/model.h"
#include "session/context_state.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

std::shared_ptr<const Model> Load(const std::string& name) {
  auto model = ModelLoader::Load(testing::GoldenDir() + "/models/" + name);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

std::vector<TokenId> Prompt(int n, int salt, int vocab) {
  std::vector<TokenId> ids(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = (i * 37 + salt * 11 + 5) % vocab;
  return ids;
}

TokenId Argmax(std::span<const float> logits) {
  return static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

class DecodeBatchTest
    : public ::testing::TestWithParam<std::tuple<std::string, KvDType>> {};

INSTANTIATE_TEST_SUITE_P(
    Fixtures, DecodeBatchTest,
    ::testing::Combine(::testing::Values("qwen3_gqa", "gemma3_sliding", "gemma3_mqa"),
                       ::testing::Values(KvDType::kF32, KvDType::kF16, KvDType::kQ8)));

TEST_P(DecodeBatchTest, EqualsOneStepPerState) {
  const auto& [name, dtype] = GetParam();
  auto model = Load(name);
  ASSERT_NE(model, nullptr);
  const Model::Impl& impl = ImplOf(*model);
  const int vocab = impl.config.vocab_size;
  // Different lengths (the sliding fixture's window is crossed by the longest), one fp32 cache
  // among them when the others are not.
  const std::vector<int> lengths = {3, 19, 70};
  std::vector<std::unique_ptr<ContextState>> batched, alone;
  std::vector<KvDType> d_of;
  for (size_t i = 0; i < lengths.size(); ++i) {
    const KvDType d = i == 1 ? KvDType::kF32 : dtype;
    d_of.push_back(d);
    batched.push_back(std::make_unique<ContextState>(impl, 256, 1, d));
    ASSERT_TRUE(batched.back()->Append(Prompt(lengths[i], static_cast<int>(i), vocab), nullptr).ok());
    alone.push_back(std::make_unique<ContextState>(*batched.back()));
  }
  std::vector<ContextState*> states;
  for (auto& s : batched) states.push_back(s.get());
  KernelContext ctx(2);
  ForwardScratch scratch;
  std::vector<float> logits;
  for (int step = 0; step < 6; ++step) {
    std::vector<TokenId> next;
    for (auto& s : batched) next.push_back(Argmax(s->last_logits()));
    ASSERT_TRUE(ContextState::DecodeBatch(states, next, scratch, logits, ctx).ok());
    for (size_t i = 0; i < alone.size(); ++i) {
      ASSERT_TRUE(alone[i]->Append(std::span(&next[i], 1), nullptr).ok());
      const auto want = alone[i]->last_logits(), got = batched[i]->last_logits();
      ASSERT_EQ(got.size(), want.size());
      float scale = 1.0f, diff = 0.0f;
      for (size_t j = 0; j < want.size(); ++j) {
        scale = std::max(scale, std::fabs(want[j]));
        diff = std::max(diff, std::fabs(want[j] - got[j]));
      }
      // An int8 cache can round a key or value the other way after a rounding-level change.
      const float tolerance = d_of[i] == KvDType::kQ8 ? 1e-3f : 1e-4f;
      EXPECT_LE(diff, tolerance * scale) << "state " << i << " step " << step;
      EXPECT_EQ(Argmax(got), Argmax(want)) << "state " << i << " step " << step;
      EXPECT_TRUE(std::equal(batched[i]->tokens().begin(), batched[i]->tokens().end(),
                             alone[i]->tokens().begin(), alone[i]->tokens().end()));
    }
  }
}

TEST(DecodeBatchErrors, RefusedBatchesChangeNothing) {
  auto model = Load("qwen3_gqa");
  ASSERT_NE(model, nullptr);
  const Model::Impl& impl = ImplOf(*model);
  ContextState a(impl, 8, 1), b(impl, 8, 1);
  ASSERT_TRUE(a.Append(Prompt(4, 0, 384), nullptr).ok());
  ASSERT_TRUE(b.Append(Prompt(7, 1, 384), nullptr).ok());
  KernelContext ctx(1);
  ForwardScratch scratch;
  std::vector<float> logits;
  ContextState* both[] = {&a, &b};
  ContextState* twice[] = {&a, &a};
  const TokenId ok_ids[] = {1, 2}, bad_id[] = {1, 100000}, one[] = {1};
  EXPECT_EQ(ContextState::DecodeBatch(both, one, scratch, logits, ctx).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ContextState::DecodeBatch(twice, ok_ids, scratch, logits, ctx).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ContextState::DecodeBatch(both, bad_id, scratch, logits, ctx).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((std::pair(a.num_tokens(), b.num_tokens())), (std::pair(4, 7)));
  ASSERT_TRUE(ContextState::DecodeBatch(both, ok_ids, scratch, logits, ctx).ok());  // b is now full
  EXPECT_EQ(ContextState::DecodeBatch(both, ok_ids, scratch, logits, ctx).code(), StatusCode::kOutOfRange);
  EXPECT_EQ((std::pair(a.num_tokens(), b.num_tokens())), (std::pair(5, 8)));
}

}  // namespace
}  // namespace litertlm
