// One thread pool per loaded model (so per Engine), shared by its sessions: ContextState,
// Generator and DecodeBatcher take the model's pool unless given a thread count of their own.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "litertlm/model.h"
#include "litertlm/session.h"
#include "model/loaded_model.h"
#include "session/context_state.h"
#include "session/decode_batcher.h"
#include "session/generator.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

std::shared_ptr<const Model> LoadWithThreads(int num_threads) {
  LoadOptions options;
  options.num_threads = num_threads;
  auto model = ModelLoader::Load(testing::GoldenDir() + "/models/qwen3_gqa", options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

TEST(ThreadPoolSharing, SessionsOfAModelShareItsPool) {
  auto model = LoadWithThreads(2);
  ASSERT_NE(model, nullptr);
  const Model::Impl& impl = ImplOf(*model);
  const std::shared_ptr<ThreadPool> shared = impl.SharedPool();
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->num_threads(), 2);
  EXPECT_EQ(impl.SharedPool(), shared);  // started once

  ContextState a(impl, 64, 0), b(impl, 64, 0), same_count(impl, 64, 2);
  EXPECT_EQ(a.pool(), shared);
  EXPECT_EQ(b.pool(), shared);
  EXPECT_EQ(same_count.pool(), shared);
  EXPECT_EQ(ContextState(a).pool(), shared);  // a clone (Session::Clone) keeps it

  GeneratorOptions options;
  options.max_tokens = 64;
  Generator generator(impl, options);
  EXPECT_EQ(generator.state().pool(), shared);
  EXPECT_EQ(Generator(generator).state().pool(), shared);

  auto batcher = DecodeBatcher::Create(model);
  ASSERT_TRUE(batcher.ok()) << batcher.status().ToString();
  EXPECT_EQ(ImplOf(**batcher).pool(), shared);
}

TEST(ThreadPoolSharing, AnOtherThreadCountGetsAPoolOfItsOwn) {
  auto model = LoadWithThreads(2);
  ASSERT_NE(model, nullptr);
  const Model::Impl& impl = ImplOf(*model);
  ContextState one(impl, 64, 1), three(impl, 64, 3);
  EXPECT_NE(one.pool(), impl.SharedPool());
  EXPECT_EQ(one.pool()->num_threads(), 1);
  EXPECT_NE(three.pool(), impl.SharedPool());
  EXPECT_NE(three.pool(), one.pool());
  EXPECT_EQ(three.pool()->num_threads(), 3);
  auto batcher = DecodeBatcher::Create(model, 3);
  ASSERT_TRUE(batcher.ok()) << batcher.status().ToString();
  EXPECT_NE(ImplOf(**batcher).pool(), impl.SharedPool());
  EXPECT_EQ(ImplOf(**batcher).pool()->num_threads(), 3);
}

// A model loaded with the default thread count (0) shares one pool of DefaultNumThreads().
TEST(ThreadPoolSharing, DefaultCountIsOnePool) {
  auto model = LoadWithThreads(0);
  ASSERT_NE(model, nullptr);
  const Model::Impl& impl = ImplOf(*model);
  ContextState a(impl, 64, 0), b(impl, 64, 0);
  EXPECT_EQ(a.pool(), b.pool());
  EXPECT_EQ(a.pool()->num_threads(), DefaultNumThreads());
}

}  // namespace
}  // namespace litertlm
