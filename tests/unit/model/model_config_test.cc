#include "format/config_parser.h"

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
  EXPECT_EQ(c->architecture, "Qwen3ForCausalLM");
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
  EXPECT_EQ(c->architecture, "Gemma3ForCausalLM");
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

// meta-llama/Llama-3.2-1B-Instruct's config.json (Hub style).
constexpr char kLlama32[] = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
  "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072,
  "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
  "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": true, "vocab_size": 128256
})";

TEST(ModelConfigTest, ParsesLlama32WithLlama3RopeScaling) {
  auto c = ParseModelConfig(kLlama32, "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->architecture, "LlamaForCausalLM");
  EXPECT_EQ(c->architecture, "LlamaForCausalLM");
  EXPECT_EQ(c->head_dim, 64);
  EXPECT_EQ(c->num_kv_heads, 8);
  EXPECT_TRUE(c->tie_word_embeddings);
  EXPECT_FALSE(c->qk_norm);
  EXPECT_FALSE(c->norm_weight_plus_one);
  EXPECT_FALSE(c->sandwich_norms);
  EXPECT_EQ(c->activation, Activation::kSilu);
  EXPECT_DOUBLE_EQ(c->rope_global.theta, 5e5);
  ASSERT_TRUE(c->rope_global.llama3.has_value());
  EXPECT_DOUBLE_EQ(c->rope_global.llama3->factor, 32.0);
  EXPECT_DOUBLE_EQ(c->rope_global.llama3->original_max_position_embeddings, 8192.0);
  EXPECT_EQ(c->bos_token_id, 128000);
  EXPECT_EQ(c->eos_token_ids, (std::vector<int>{128001, 128008, 128009}));
  EXPECT_EQ(c->layer_sliding, std::vector<bool>(16, false));
  // transformers' llama3 inv_freq (factor 32, band 2048..8192 positions): the highest frequency
  // is kept, the lowest divided by 32, one in the band interpolated.
  const Llama3RopeScaling& s = *c->rope_global.llama3;
  EXPECT_FLOAT_EQ(Llama3ScaledInvFreq(s, 1.0f), 1.0f);
  EXPECT_FLOAT_EQ(Llama3ScaledInvFreq(s, 1e-5f), 1e-5f / 32.0f);
  const float mid = 2.0f * 3.14159265f / 4096.0f;  // wavelength 4096: smooth = (2 - 1) / 3
  EXPECT_NEAR(Llama3ScaledInvFreq(s, mid), (2.0f / 3.0f) * mid / 32.0f + (1.0f / 3.0f) * mid, 1e-9);
}

TEST(ModelConfigTest, LlamaDefaultsAndRefusals) {
  // SmolLM2-135M style: model_type only, no head_dim (576 / 9 = 64), no rope scaling.
  auto c = ParseModelConfig(R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 576,
      "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 9,
      "num_key_value_heads": 3, "rope_theta": 100000, "rope_scaling": null})", "smol/config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->architecture, "LlamaForCausalLM");
  EXPECT_EQ(c->head_dim, 64);
  EXPECT_FALSE(c->tie_word_embeddings);  // LlamaConfig's default
  EXPECT_FALSE(c->rope_global.llama3.has_value());
  auto bias = ParseModelConfig(R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "mlp_bias": true})",
      "b/config.json");
  EXPECT_EQ(bias.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(bias.status().message(), HasSubstr("b/config.json: field 'mlp_bias'"));
  auto rope = ParseModelConfig(R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
      "rope_scaling": {"rope_type": "llama3", "factor": 8.0}})", "r/config.json");
  EXPECT_EQ(rope.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(rope.status().message(), HasSubstr("low_freq_factor"));
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
