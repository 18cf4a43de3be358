// ComputePerplexity with PerplexityOptions: non-overlapping windows scored in fresh contexts
// (llama.cpp's perplexity -c N), an optional first token for every later window, and progress.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "litertlm/model.h"
#include "litertlm/session.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

std::shared_ptr<const Model> LoadFixture() {
  LoadOptions load;
  load.num_threads = 1;
  auto model = ModelLoader::Load(testing::GoldenDir() + "/models/qwen3_gqa", load);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

std::vector<TokenId> Ids(int n, int vocab) {
  std::vector<TokenId> ids;
  for (int i = 0; i < n; ++i) ids.push_back((i * 37 + 5) % vocab);
  return ids;
}

std::vector<double> Nll(const std::shared_ptr<const Model>& model, std::vector<TokenId> ids) {
  auto r = ComputePerplexity(model, ids);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->nll : std::vector<double>{};
}

TEST(PerplexityWindows, EachWindowIsScoredInAFreshContext) {
  auto model = LoadFixture();
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> ids = Ids(20, model->info().vocab_size);
  PerplexityOptions p;
  p.window_tokens = 8;  // windows [0, 8), [8, 16), [16, 20)
  auto r = ComputePerplexity(model, ids, {}, p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->windows, 3);
  std::vector<double> want;
  for (size_t begin = 0; begin < ids.size(); begin += 8) {
    auto w = Nll(model, std::vector<TokenId>(ids.begin() + begin,
                                             ids.begin() + std::min(begin + 8, ids.size())));
    want.insert(want.end(), w.begin(), w.end());
  }
  ASSERT_EQ(r->nll.size(), want.size());
  EXPECT_EQ(r->nll.size(), ids.size() - 3);
  double sum = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(r->nll[i], want[i], 1e-9) << i;
    sum += want[i];
  }
  EXPECT_NEAR(r->perplexity, std::exp(sum / want.size()), 1e-9);
  // Without windows the later tokens see the whole text: different numbers.
  auto whole = ComputePerplexity(model, ids);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->windows, 1);
  EXPECT_EQ(whole->nll.size(), ids.size() - 1);
  EXPECT_NE(whole->nll[9], r->nll[8]);  // ids[10]: 9 tokens of context vs 2
}

TEST(PerplexityWindows, PrefixStartsEveryLaterWindow) {
  auto model = LoadFixture();
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> ids = Ids(12, model->info().vocab_size);
  const TokenId bos = ids[0];
  PerplexityOptions p;
  p.window_tokens = 6;
  p.window_prefix = bos;
  auto r = ComputePerplexity(model, ids, {}, p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<double> want = Nll(model, {ids.begin(), ids.begin() + 6});
  std::vector<TokenId> second = {bos};
  second.insert(second.end(), ids.begin() + 6, ids.end());
  std::vector<double> w2 = Nll(model, second);
  want.insert(want.end(), w2.begin() + 1, w2.end());  // the prefix's own prediction is not scored
  ASSERT_EQ(r->nll.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(r->nll[i], want[i], 1e-9) << i;
}

TEST(PerplexityWindows, ProgressCountsScoredTokensAndCanCancel) {
  auto model = LoadFixture();
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> ids = Ids(300, model->info().vocab_size);
  PerplexityOptions p;
  p.window_tokens = 200;
  std::vector<int> seen;
  p.on_progress = [&](int scored, int total, double ppl) {
    EXPECT_EQ(total, 298);
    EXPECT_GT(ppl, 0);
    seen.push_back(scored);
    return true;
  };
  auto r = ComputePerplexity(model, ids, {}, p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(seen, (std::vector<int>{128, 199, 298}));  // chunks of 128 within each window
  p.on_progress = [](int scored, int, double) { return scored < 128; };
  auto cancelled = ComputePerplexity(model, ids, {}, p);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), StatusCode::kCancelled);
  p.on_progress = nullptr;
  p.window_tokens = 1;
  EXPECT_EQ(ComputePerplexity(model, ids, {}, p).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace litertlm
