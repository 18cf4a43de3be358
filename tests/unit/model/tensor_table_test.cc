// The tensor table (model/tensor_table.h): one row per tensor drives the names and shapes the
// converter writes and the slots the loader fills.
#include "model/tensor_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "format/config_parser.h"
#include "format/hf_checkpoint.h"
#include "format/model_family.h"
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

// A tiny config: vocabulary 10, hidden 8, MLP 12, 4 query heads and 2 KV heads of 4.
ModelConfig TinyConfig(int num_layers) {
  ModelConfig c;
  c.vocab_size = 10;
  c.hidden_size = 8;
  c.intermediate_size = 12;
  c.num_layers = num_layers;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 4;
  return c;
}

TEST(TensorTableTest, ExpectedTensorsFollowTheTraits) {
  ModelConfig c = TinyConfig(2);
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

// The GGUF column: for every GGUF family, each tensor its models can have has one llama.cpp
// name, no two tensors share one, and MapGgufTensorName (what GgufWeightSource::Open uses) turns
// each back into the Hugging Face name ExpectedTensors lists (and HfToGgufTensorName, what the
// GGUF config reader asks for lm_head and the q_proj bias, turns that into the llama.cpp name).
TEST(TensorTableTest, GgufNamesAreAColumnOfTheTable) {
  ModelConfig c = TinyConfig(1);
  c.attention_bias = c.qk_norm = true;
  int families = 0;
  for (const ModelFamily& family : ModelFamilies()) {
    if (family.gguf_architecture.empty()) continue;
    ++families;
    const std::vector<GgufTensorName> names = GgufTensorNames(family);
    std::set<std::pair<bool, std::string>> gguf_seen;
    for (const GgufTensorName& n : names) {
      EXPECT_TRUE(gguf_seen.insert({n.per_layer, std::string(n.gguf)}).second) << family.name << " " << n.gguf;
    }
    c.sandwich_norms = family.sandwich_norms;
    for (const TensorSpec& spec : ExpectedTensors(c)) {
      int found = 0;
      for (const GgufTensorName& n : names) {
        const std::string gguf = n.per_layer ? "blk.0." + std::string(n.gguf) : std::string(n.gguf);
        if (MapGgufTensorName(names, gguf) != spec.name) continue;
        ++found;
        EXPECT_EQ(GgufToHfTensorName(family.gguf_architecture, gguf), spec.name);
        EXPECT_EQ(HfToGgufTensorName(names, spec.name), gguf);
      }
      EXPECT_EQ(found, 1) << family.name << " " << spec.name;
    }
  }
  EXPECT_GE(families, 3);
  // The one name that depends on the family: llama.cpp's ffn_norm.
  const std::vector<GgufTensorName> gemma = GgufTensorNames(*FindFamilyByGgufArchitecture("gemma3"));
  const std::vector<GgufTensorName> llama = GgufTensorNames(*FindFamilyByGgufArchitecture("llama"));
  EXPECT_EQ(MapGgufTensorName(gemma, "blk.0.ffn_norm.weight"), "model.layers.0.pre_feedforward_layernorm.weight");
  EXPECT_EQ(MapGgufTensorName(llama, "blk.0.ffn_norm.weight"), "model.layers.0.post_attention_layernorm.weight");
  EXPECT_EQ(MapGgufTensorName(llama, "blk.0.post_attention_norm.weight"), std::nullopt);
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
