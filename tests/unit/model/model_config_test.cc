#include "model/config_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace litertlm {
namespace {

using ::testing::HasSubstr;

constexpr char kQwen3[] = R"({
  "architectures": ["Qwen3ForCausalLM"], "vocab_size": 100, "hidden_size": 64,
  "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
  "num_key_value_heads": 2, "head_dim": 32, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
  "max_position_embeddings": 512, "tie_word_embeddings": true, "eos_token_id": 151645
})";

TEST(ModelConfigTest, ParsesQwen3Legacy) {
  auto c = ParseModelConfig(kQwen3, "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->arch, Arch::kQwen3);
  EXPECT_EQ(c->head_dim, 32);
  EXPECT_EQ(c->num_kv_heads, 2);
  EXPECT_TRUE(c->tie_word_embeddings);
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->sandwich_norms);
  EXPECT_DOUBLE_EQ(c->rope_global.theta, 1e6);
  EXPECT_EQ(c->layer_sliding, (std::vector<bool>{false, false}));
  EXPECT_EQ(c->eos_token_ids, (std::vector<int>{151645}));
  EXPECT_NEAR(c->attention_scale, 1.0 / std::sqrt(32.0), 1e-12);
}

TEST(ModelConfigTest, ParsesGemma3TransformersV5) {
  auto c = ParseModelConfig(R"({
    "architectures": ["Gemma3ForCausalLM"], "vocab_size": 300, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4,
    "num_key_value_heads": 1, "head_dim": 32, "query_pre_attn_scalar": 24, "sliding_window": 6,
    "layer_types": ["sliding_attention", "sliding_attention", "full_attention", "sliding_attention"],
    "rope_parameters": {"full_attention": {"rope_theta": 1000000.0, "rope_type": "linear", "factor": 8.0},
                        "sliding_attention": {"rope_theta": 10000.0, "rope_type": "default"}},
    "final_logit_softcapping": 30.0, "eos_token_id": [1, 106], "bos_token_id": 2
  })", "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->arch, Arch::kGemma3);
  EXPECT_TRUE(c->norm_weight_plus_one);
  EXPECT_TRUE(c->scale_embeddings);
  EXPECT_TRUE(c->tie_word_embeddings);  // Gemma3's default
  EXPECT_EQ(c->layer_sliding, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(c->sliding_window, 6);
  EXPECT_DOUBLE_EQ(c->rope_global.theta, 1e6);
  EXPECT_DOUBLE_EQ(c->rope_global.linear_factor, 8.0);
  EXPECT_DOUBLE_EQ(c->rope_local.theta, 1e4);
  EXPECT_DOUBLE_EQ(c->rope_local.linear_factor, 1.0);
  EXPECT_NEAR(c->attention_scale, 1.0 / std::sqrt(24.0), 1e-12);
  EXPECT_EQ(c->final_logit_softcapping, 30.0);
  EXPECT_EQ(c->eos_token_ids, (std::vector<int>{1, 106}));
  EXPECT_EQ(c->bos_token_id, 2);
  EXPECT_EQ(c->activation, Activation::kGeluTanh);
}

TEST(ModelConfigTest, ParsesGemma3LegacyPatternAndLocalBase) {
  auto c = ParseModelConfig(R"({
    "architectures": ["Gemma3ForCausalLM"], "vocab_size": 300, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 7, "num_attention_heads": 4,
    "num_key_value_heads": 1, "head_dim": 32, "sliding_window": 512, "sliding_window_pattern": 3,
    "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
    "rope_scaling": {"rope_type": "linear", "factor": 4.0}
  })", "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->layer_sliding, (std::vector<bool>{true, true, false, true, true, false, true}));
  EXPECT_DOUBLE_EQ(c->rope_global.linear_factor, 4.0);
  EXPECT_DOUBLE_EQ(c->rope_local.linear_factor, 1.0);  // scaling applies to global layers only
  EXPECT_DOUBLE_EQ(c->rope_local.theta, 1e4);
}

TEST(ModelConfigTest, UnknownArchitectureListsSupported) {
  auto c = ParseModelConfig(R"({"architectures": ["MistralForCausalLM"]})", "ckpt/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("ckpt/config.json"));
  EXPECT_THAT(c.status().message(), HasSubstr("MistralForCausalLM"));
  EXPECT_THAT(c.status().message(), HasSubstr("Qwen3ForCausalLM"));
}

TEST(ModelConfigTest, MissingFieldIsNamed) {
  auto c = ParseModelConfig(R"({"architectures": ["Qwen3ForCausalLM"], "vocab_size": 10})", "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("'hidden_size' is missing"));
}

TEST(ModelConfigTest, WrongTypeIsNamed) {
  std::string bad = kQwen3;
  bad.replace(bad.find("\"hidden_size\": 64"), 17, "\"hidden_size\": \"x\"");
  auto c = ParseModelConfig(bad, "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("'hidden_size' must be an integer"));
}

TEST(ModelConfigTest, LayerTypesLengthMustMatch) {
  std::string cfg = kQwen3;
  cfg.insert(cfg.rfind('}'), R"(, "layer_types": ["full_attention"])");
  auto c = ParseModelConfig(cfg, "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("layer_types"));
}

TEST(ModelConfigTest, UnsupportedRopeScalingIsUnimplemented) {
  std::string cfg = kQwen3;
  cfg.insert(cfg.rfind('}'), R"(, "rope_scaling": {"rope_type": "yarn", "factor": 4.0})");
  auto c = ParseModelConfig(cfg, "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(c.status().message(), HasSubstr("yarn"));
}

TEST(ModelConfigTest, KvHeadsMustDivideHeads) {
  std::string cfg = kQwen3;
  cfg.replace(cfg.find("\"num_key_value_heads\": 2"), 24, "\"num_key_value_heads\": 3");
  auto c = ParseModelConfig(cfg, "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("num_key_value_heads"));
}

TEST(ModelConfigTest, NotJson) {
  auto c = ParseModelConfig("{", "x/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("x/config.json"));
}

TEST(ModelConfigTest, LayerCountIsBoundedByTheTensorsTheWeightsHold) {
  std::string huge = kQwen3;
  huge.replace(huge.find("\"num_hidden_layers\": 2"), 22, "\"num_hidden_layers\": 1000000000");
  auto c = ParseModelConfig(huge, "config.json", 30);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("field 'num_hidden_layers' is 1000000000"));
  EXPECT_THAT(c.status().message(), HasSubstr("hold only 30 tensors"));
  // Two layers need at least 2 + 2 × 9 tensors.
  EXPECT_FALSE(ParseModelConfig(kQwen3, "config.json", 19).ok());
  EXPECT_TRUE(ParseModelConfig(kQwen3, "config.json", 20).ok());
}

TEST(ModelConfigTest, TooLargeDimensionNamesTheFieldAndTheRange) {
  std::string big = kQwen3;
  big.replace(big.find("\"hidden_size\": 64"), 17, "\"hidden_size\": 2147483648");
  auto c = ParseModelConfig(big, "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("field 'hidden_size' must be between 1 and 1073741824 (got 2147483648)"));
}

TEST(ModelConfigTest, SoftcappingZeroIsRefusedAndNullMeansNone) {
  const std::string gemma = R"({
    "architectures": ["Gemma3ForCausalLM"], "vocab_size": 300, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 4,
    "num_key_value_heads": 1, "head_dim": 32, "final_logit_softcapping": CAP })";
  auto with = [&](const std::string& cap) {
    std::string s = gemma;
    s.replace(s.find("CAP"), 3, cap);
    return ParseModelConfig(s, "config.json");
  };
  auto zero = with("0");
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(),
              HasSubstr("field 'final_logit_softcapping' must be a positive number, or null for none"));
  EXPECT_FALSE(with("-30").ok());
  auto none = with("null");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->final_logit_softcapping.has_value());
  auto thirty = with("30.0");
  ASSERT_TRUE(thirty.ok());
  EXPECT_EQ(thirty->final_logit_softcapping, 30.0);
}

}  // namespace
}  // namespace litertlm
