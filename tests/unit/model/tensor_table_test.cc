// The tensor table (model/tensor_table.h): one row per tensor drives the names and shapes the
// converter writes and the slots the loader fills.
#include "model/tensor_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "format/config_parser.h"
#include "format/hf_checkpoint.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

using testing::GoldenDir;

template <typename Slots>
void ExpectOneSlotPerRow(std::span<const TensorRow<Slots>> rows) {
  std::set<std::string> names;
  for (const TensorRow<Slots>& row : rows) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    const bool projection =
        row.role == TensorRole::kEmbedding || row.role == TensorRole::kOutput || row.role == TensorRole::kLinear;
    EXPECT_EQ(row.matrix != nullptr, projection) << row.name;
    EXPECT_EQ(row.vector != nullptr, !projection) << row.name;
    EXPECT_EQ(row.shape[1] == TensorDim::kNone, !projection) << row.name;  // matrices are [out, in]
  }
}

TEST(TensorTableTest, EveryRowHasOneSlotOfItsRole) {
  ExpectOneSlotPerRow(GlobalTensorRows());
  ExpectOneSlotPerRow(LayerTensorRows());
}

TEST(TensorTableTest, ExpectedTensorsFollowTheTraits) {
  ModelConfig c;
  c.vocab_size = 10;
  c.hidden_size = 8;
  c.intermediate_size = 12;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 4;
  const std::vector<TensorSpec> plain = ExpectedTensors(c);
  ASSERT_EQ(plain.size(), 1 + 2 * 9 + 2u);  // embedding, 9 per layer, final norm, lm_head
  EXPECT_EQ(plain.front().name, "model.embed_tokens.weight");
  EXPECT_EQ(plain[1].name, "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(plain[1].shape, (std::vector<int64_t>{16, 8}));
  EXPECT_EQ(plain[2].shape, (std::vector<int64_t>{8, 8}));  // k: kv heads · D
  EXPECT_EQ(plain[plain.size() - 2].name, "model.norm.weight");
  EXPECT_EQ(plain.back().name, "lm_head.weight");
  EXPECT_EQ(plain.back().role, TensorRole::kOutput);
  c.attention_bias = c.qk_norm = c.sandwich_norms = c.tie_word_embeddings = true;
  const std::vector<TensorSpec> all = ExpectedTensors(c);
  ASSERT_EQ(all.size(), 1 + 2 * 17 + 1u);
  EXPECT_EQ(all[5].name, "model.layers.0.self_attn.q_proj.bias");
  EXPECT_EQ(all[5].shape, (std::vector<int64_t>{16}));
  EXPECT_EQ(all[9].name, "model.layers.0.self_attn.q_norm.weight");
  EXPECT_EQ(all[9].shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(all.back().name, "model.norm.weight");
}

// The loader fills exactly the slots of the rows the config has.
TEST(TensorTableTest, LoaderFillsEverySlotOfTheTable) {
  for (const char* fixture : {"gemma3_sliding", "qwen3_gqa", "llama3_gqa"}) {
    auto ckpt = OpenHfCheckpoint(GoldenDir() + "/models/" + fixture);
    ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
    auto config = ParseModelConfig(ckpt->config_json, ckpt->config_path);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto w = LoadModelWeights(*config, *ckpt->weights);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (const TensorRow<ModelWeights>& row : GlobalTensorRows()) {
      const bool filled = row.matrix != nullptr ? ((**w).*row.matrix).data != nullptr
                                                : ((**w).*row.vector) != nullptr;
      EXPECT_TRUE(filled) << fixture << " " << row.name;  // lm_head: the embedding when tied
    }
    for (const LayerWeights& lw : (*w)->layers) {
      for (const TensorRow<LayerWeights>& row : LayerTensorRows()) {
        const bool filled = row.matrix != nullptr ? (lw.*row.matrix).data != nullptr : (lw.*row.vector) != nullptr;
        EXPECT_EQ(filled, HasTensor(*config, row.presence)) << fixture << " " << row.name;
      }
    }
  }
}

}  // namespace
}  // namespace litertlm
