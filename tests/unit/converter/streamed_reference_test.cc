// The layer-by-layer fp32 reference of conversion validation: the same logits as running the
// whole fp32 model, while holding one layer's weights at a time.
#include "converter/streamed_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "converter/conversion_source.h"
#include "converter/validation.h"
#include "litertlm/model.h"
#include "litertlm/tokenizer.h"
#include "model/loaded_model.h"
#include "unit/test_util.h"

namespace litertlm::converter {
namespace {

using testing::GoldenDir;

std::string Fixture(const std::string& name) { return GoldenDir() + "/models/" + name; }

// Layer index of "model.layers.<l>.<...>", -1 for other tensors.
int LayerOf(const std::string& name) {
  const std::string prefix = "model.layers.";
  if (name.rfind(prefix, 0) != 0) return -1;
  return std::stoi(name.substr(prefix.size()));
}

// Forwards to a real source and records which layers' tensors are in use: a layer is in use
// from its first Tensor() call until DropPages was called for every tensor of it.
class CountingSource : public WeightSource {
 public:
  explicit CountingSource(const WeightSource& inner) : inner_(inner) {}
  std::vector<std::string> TensorNames() const override { return inner_.TensorNames(); }
  bool HasTensor(const std::string& name) const override { return inner_.HasTensor(name); }
  StatusOr<TensorView> Tensor(const std::string& name) const override {
    const int layer = LayerOf(name);
    if (layer >= 0) {
      live_[layer].insert(name);
      max_live_layers_ = std::max(max_live_layers_, static_cast<int>(live_.size()));
    }
    return inner_.Tensor(name);
  }
  void DropPages(const std::string& name) const override {
    const int layer = LayerOf(name);
    if (layer >= 0) {
      ++drops_;
      auto it = live_.find(layer);
      if (it != live_.end()) {
        it->second.erase(name);
        if (it->second.empty()) live_.erase(it);
      }
    }
    inner_.DropPages(name);
  }
  const std::string& origin() const override { return inner_.origin(); }
  int max_live_layers() const { return max_live_layers_; }
  int drops() const { return drops_; }
  size_t live_layers() const { return live_.size(); }

 private:
  const WeightSource& inner_;
  mutable std::map<int, std::set<std::string>> live_;
  mutable int max_live_layers_ = 0;
  mutable int drops_ = 0;
};

class StreamedReferenceTest : public ::testing::TestWithParam<const char*> {};

TEST_P(StreamedReferenceTest, SameLogitsAsTheWholeModelOneLayerAtATime) {
  const std::string dir = Fixture(GetParam());
  auto src = OpenConversionSource(dir);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  const TokenizerKind kind = src->tokenizer_kind == format::TokenizerKind::kSentencePiece
                                 ? TokenizerKind::kSentencePiece
                                 : TokenizerKind::kHfTokenizerJson;
  auto tokenizer = Tokenizer::FromBytes(kind, src->tokenizer_bytes, dir);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  auto prompts = MakeValidationPrompts(**tokenizer, src->config, 1280);
  ASSERT_TRUE(prompts.ok()) << prompts.status().ToString();
  LoadOptions load;
  load.num_threads = 1;
  auto whole = ModelLoader::Load(dir, load);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  auto want = RunPrompts(ImplOf(**whole), *prompts, 1);
  ASSERT_TRUE(want.ok()) << want.status().ToString();

  CountingSource counting(*src->weights);
  auto got = RunPromptsLayerByLayer(src->config, counting, nullptr, *prompts, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), want->size());
  for (size_t p = 0; p < want->size(); ++p) {
    ASSERT_EQ((*got)[p].size(), (*want)[p].size()) << "prompt " << p;
    double max_diff = 0;
    for (size_t i = 0; i < (*want)[p].size(); ++i)
      max_diff = std::max(max_diff, std::abs(double{(*got)[p][i]} - (*want)[p][i]));
    EXPECT_LT(max_diff, 1e-4) << "prompt " << p;
  }
  // Never two layers' weights at once, and every layer tensor handed back.
  EXPECT_EQ(counting.max_live_layers(), 1);
  EXPECT_EQ(counting.live_layers(), 0u);
  EXPECT_GT(counting.drops(), 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, StreamedReferenceTest,
                         ::testing::Values("qwen3_gqa", "qwen3_tied", "gemma3_sliding",
                                           "gemma3_mqa", "qwen3_rope_scaled"));

}  // namespace
}  // namespace litertlm::converter
