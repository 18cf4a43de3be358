#include "format/llm_metadata_defaults.h"

#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace litertlm::format {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TokenLookup MapLookup(std::map<std::string, int32_t> ids) {
  return [ids = std::move(ids)](std::string_view text) -> std::optional<int32_t> {
    auto it = ids.find(std::string(text));
    if (it == ids.end()) return std::nullopt;
    return it->second;
  };
}

TEST(LlmMetadataDefaults, Qwen3) {
  MetadataOptions options;
  options.quantization = "dynamic_int8";
  options.source_model = "Qwen/Qwen3-0.6B";
  options.jinja_template = "{{ messages }}";
  auto m = BuildDefaultLlmMetadata("qwen3", options, MapLookup({{"<|im_end|>", 151645}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->has_start_token());
  ASSERT_EQ(m->stop_tokens_size(), 1);
  EXPECT_THAT(m->stop_tokens(0).token_ids().ids(), ElementsAre(151645));
  EXPECT_EQ(m->sampler_params().type(), litert::lm::proto::SamplerParameters::TOP_P);
  EXPECT_EQ(m->sampler_params().k(), 20);
  EXPECT_FLOAT_EQ(m->sampler_params().p(), 0.95f);
  EXPECT_FLOAT_EQ(m->sampler_params().temperature(), 0.6f);
  EXPECT_EQ(m->prompt_templates().user().prefix(), "<|im_start|>user\n");
  EXPECT_EQ(m->prompt_templates().user().suffix(), "<|im_end|>\n");
  EXPECT_EQ(m->prompt_templates().model().prefix(), "<|im_start|>assistant\n");
  EXPECT_EQ(m->prompt_templates().system().prefix(), "<|im_start|>system\n");
  EXPECT_EQ(m->max_num_tokens(), 1280);
  EXPECT_TRUE(m->llm_model_type().has_qwen3());
  EXPECT_EQ(m->jinja_prompt_template(), "{{ messages }}");
  EXPECT_EQ(m->conversion_info().quantization(), "dynamic_int8");
  EXPECT_EQ(m->conversion_info().source_model(), "Qwen/Qwen3-0.6B");
  EXPECT_EQ(m->conversion_info().kv_cache_max_len(), 1280);
  EXPECT_THAT(m->conversion_info().prefill_seq_lens(), ElementsAre(8, 64, 128, 256, 512, 1024));
}

TEST(LlmMetadataDefaults, Gemma3) {
  MetadataOptions options;
  options.kv_cache_max_len = 8192;
  auto m = BuildDefaultLlmMetadata(
      "gemma3_text", options, MapLookup({{"<bos>", 2}, {"<eos>", 1}, {"<end_of_turn>", 106}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_THAT(m->start_token().token_ids().ids(), ElementsAre(2));
  ASSERT_EQ(m->stop_tokens_size(), 2);
  EXPECT_THAT(m->stop_tokens(0).token_ids().ids(), ElementsAre(1));
  EXPECT_THAT(m->stop_tokens(1).token_ids().ids(), ElementsAre(106));
  EXPECT_EQ(m->sampler_params().k(), 1);
  EXPECT_FLOAT_EQ(m->sampler_params().p(), 0.95f);
  EXPECT_FLOAT_EQ(m->sampler_params().temperature(), 1.0f);
  EXPECT_EQ(m->prompt_templates().user().prefix(), "<start_of_turn>user\n");
  EXPECT_EQ(m->prompt_templates().model().prefix(), "<start_of_turn>model\n");
  EXPECT_EQ(m->prompt_templates().model().suffix(), "<end_of_turn>\n");
  EXPECT_FALSE(m->prompt_templates().has_system());
  EXPECT_EQ(m->max_num_tokens(), 4096);  // family maximum, below the KV length
  EXPECT_TRUE(m->llm_model_type().has_gemma3());
}

std::vector<int32_t> StopIds(const litert::lm::proto::LlmMetadata& m) {
  std::vector<int32_t> ids;
  for (const auto& stop : m.stop_tokens()) ids.push_back(stop.token_ids().ids(0));
  return ids;
}

TEST(LlmMetadataDefaults, LlamaRowsByTokens) {
  // Llama 3.1+: <|begin_of_text|> starts; <|eot_id|>, <|end_of_text|>, <|eom_id|> stop.
  auto l31 = BuildDefaultLlmMetadata("llama", {}, MapLookup({{"<|begin_of_text|>", 128000},
                                                             {"<|end_of_text|>", 128001},
                                                             {"<|eom_id|>", 128008},
                                                             {"<|eot_id|>", 128009}}));
  ASSERT_TRUE(l31.ok()) << l31.status().ToString();
  EXPECT_EQ(l31->start_token().token_ids().ids(0), 128000);
  EXPECT_EQ(StopIds(*l31), (std::vector<int32_t>{128009, 128001, 128008}));
  EXPECT_EQ(l31->prompt_templates().user().prefix(), "<|start_header_id|>user<|end_header_id|>\n\n");
  EXPECT_EQ(l31->prompt_templates().model().suffix(), "<|eot_id|>");
  EXPECT_EQ(l31->prompt_templates().system().prefix(), "<|start_header_id|>system<|end_header_id|>\n\n");
  EXPECT_TRUE(l31->llm_model_type().has_generic_model());
  EXPECT_FLOAT_EQ(l31->sampler_params().p(), 0.9f);
  // Llama 3.0 has no <|eom_id|>: the optional stop is left out, not an error.
  auto l30 = BuildDefaultLlmMetadata("llama", {}, MapLookup({{"<|begin_of_text|>", 128000},
                                                             {"<|end_of_text|>", 128001},
                                                             {"<|eot_id|>", 128009}}));
  ASSERT_TRUE(l30.ok()) << l30.status().ToString();
  EXPECT_EQ(StopIds(*l30), (std::vector<int32_t>{128009, 128001}));
  // ChatML tokens (SmolLM2): ChatML turns, <|im_end|> stops, no start token.
  MetadataOptions from_tokenizer;
  from_tokenizer.ids_from_tokenizer = true;
  auto smol = BuildDefaultLlmMetadata("llama", from_tokenizer,
                                      MapLookup({{"<|im_start|>", 1}, {"<|im_end|>", 2}}));
  ASSERT_TRUE(smol.ok()) << smol.status().ToString();
  EXPECT_FALSE(smol->has_start_token());
  EXPECT_EQ(StopIds(*smol), (std::vector<int32_t>{2}));
  EXPECT_EQ(smol->prompt_templates().user().prefix(), "<|im_start|>user\n");
}

TEST(LlmMetadataDefaults, TokenizerDisagreementFailsLoudly) {
  auto wrong = BuildDefaultLlmMetadata("qwen3", {}, MapLookup({{"<|im_end|>", 151643}}));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("tokenizer maps '<|im_end|>' to id 151643 but the Qwen3 defaults use 151645"));
  auto missing = BuildDefaultLlmMetadata("gemma3", {}, MapLookup({{"<bos>", 2}, {"<eos>", 1}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no token '<end_of_turn>'"));
}

TEST(LlmMetadataDefaults, BadOptionsAndUnknownFamily) {
  auto lookup = MapLookup({{"<|im_end|>", 151645}});
  EXPECT_EQ(BuildDefaultLlmMetadata("mistral", {}, lookup).status().code(),
            StatusCode::kUnimplemented);
  MetadataOptions options;
  options.prefill_seq_lens = {256, 2000};
  auto s = BuildDefaultLlmMetadata("qwen3", options, lookup);
  EXPECT_THAT(s.status().message(), HasSubstr("--prefill-seq-len must be in [1, --kv-cache-max-len=1280]"));
}

TEST(LlmMetadataDefaults, PrefillSeqLensClipToKvLength) {
  EXPECT_THAT(PrefillSeqLens({256}, 1280), ElementsAre(8, 64, 128, 256, 512, 1024));
  EXPECT_THAT(PrefillSeqLens({100}, 200), ElementsAre(8, 64, 100, 128));
  EXPECT_THAT(PrefillSeqLens({2048, 100, 2048}, 4096), ElementsAre(8, 64, 100, 128, 256, 512, 1024, 2048));
  EXPECT_THAT(PrefillSeqLens({8}, 8), ElementsAre(8));
}

}  // namespace
}  // namespace litertlm::format
