// The family records (format/model_family.h): a family is found by its record's fields, and its
// record names the config parser that reads its config.json.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "format/config_parser.h"
#include "format/model_family.h"

namespace litertlm {
namespace {

TEST(ModelFamilyTest, EveryFamilyNamesItsParser) {
  std::set<std::string_view> names;
  for (const ModelFamily& f : ModelFamilies()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    ASSERT_FALSE(f.hf_architectures.empty()) << f.name;
    ASSERT_FALSE(f.model_types.empty()) << f.name;
    EXPECT_NE(f.parse_config, nullptr) << f.name;
    EXPECT_EQ(FindFamilyByHfArchitecture(f.hf_architectures[0])->parse_config, f.parse_config) << f.name;
  }
  EXPECT_EQ(SupportedArchitectures(), "Qwen3ForCausalLM, Gemma3ForCausalLM, LlamaForCausalLM");
}

TEST(ModelFamilyTest, RowsOfOneArchitectureToldApartByTokens) {
  std::map<std::string, int32_t> smollm = {{"<|im_start|>", 1}, {"<|im_end|>", 2}};
  auto lookup = [&](std::string_view text) -> std::optional<int32_t> {
    auto it = smollm.find(std::string(text));
    if (it == smollm.end()) return std::nullopt;
    return it->second;
  };
  const ModelFamily* chatml = FindFamilyByHfArchitecture("LlamaForCausalLM", lookup);
  ASSERT_NE(chatml, nullptr);
  EXPECT_EQ(chatml->name, "Llama (ChatML)");
  EXPECT_EQ(FindFamilyByHfArchitecture("LlamaForCausalLM")->name, "Llama 3");
  EXPECT_EQ(FindFamilyByHfArchitecture("Gemma3ForConditionalGeneration")->name, "Gemma3");
  EXPECT_EQ(FindFamilyByHfArchitecture("MistralForCausalLM"), nullptr);
}

TEST(ModelFamilyTest, FamilyFacts) {
  EXPECT_EQ(FindFamilyByMetadataType(MetadataModelType::kGemma3)->name, "Gemma3");
  EXPECT_EQ(FindFamilyByMetadataType(MetadataModelType::kQwen3)->name, "Qwen3");
  const ModelFamily* gemma = FindFamilyByGgufArchitecture("gemma3");
  ASSERT_NE(gemma, nullptr);
  EXPECT_TRUE(gemma->sandwich_norms);
  EXPECT_TRUE(gemma->tflite_graph);
  EXPECT_EQ(gemma->gguf_hparams, GgufHparams::kGemma3);
  const ModelFamily* llama = FindFamilyByGgufArchitecture("llama");
  ASSERT_NE(llama, nullptr);
  EXPECT_FALSE(llama->sandwich_norms);
  EXPECT_FALSE(llama->tflite_graph);
  EXPECT_EQ(llama->gguf_hparams, GgufHparams::kSiluGated);
}

// Only an architecture a parser reads ([0]) parses; aliases (the multimodal Gemma 3) do not.
TEST(ModelFamilyTest, ConfigParserReadsOnlyParsedArchitectures) {
  const std::string base =
      R"("vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2})";
  auto alias = ParseModelConfig(R"({"architectures": ["Gemma3ForConditionalGeneration"], )" + base, "config.json");
  ASSERT_FALSE(alias.ok());
  EXPECT_NE(alias.status().message().find("unsupported architecture 'Gemma3ForConditionalGeneration' "
                                          "(supported: Qwen3ForCausalLM, Gemma3ForCausalLM, LlamaForCausalLM)"),
            std::string::npos)
      << alias.status().message();
  auto llama = ParseModelConfig(R"({"architectures": ["LlamaForCausalLM"], )" + base, "config.json");
  ASSERT_TRUE(llama.ok()) << llama.status().ToString();
  EXPECT_EQ(llama->architecture, "LlamaForCausalLM");
  EXPECT_FALSE(llama->qk_norm);  // the Llama parser ran, not Qwen3's
  auto by_type = ParseModelConfig(R"({"model_type": "qwen3", )" + base, "config.json");
  ASSERT_TRUE(by_type.ok()) << by_type.status().ToString();
  EXPECT_EQ(by_type->architecture, "Qwen3ForCausalLM");
  EXPECT_TRUE(by_type->qk_norm);
}

}  // namespace
}  // namespace litertlm
