#include "hub/model_names.h"

#include <gtest/gtest.h>

namespace litertlm::hub {
namespace {

RepoListing Listing(const std::string& repo, std::vector<std::string> names) {
  RepoListing l;
  l.repo = repo;
  for (auto& n : names) l.files.push_back(RepoFile{n, std::nullopt, ""});
  return l;
}

std::vector<std::string> Names(const std::vector<RepoFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.name);
  return out;
}

TEST(ClassifyModelNameTest, SupportedFamilies) {
  auto a = ClassifyModelName("litert-community/Qwen3-0.6B");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->source, ModelSource::kPreconverted);
  EXPECT_EQ(a->org, "litert-community");
  EXPECT_EQ(a->name, "Qwen3-0.6B");
  auto b = ClassifyModelName("Qwen/Qwen3-4B");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->source, ModelSource::kConvertible);
  auto c = ClassifyModelName("google/gemma-3-1b");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->source, ModelSource::kConvertible);
}

TEST(ClassifyModelNameTest, UnsupportedListsEverySupportedModel) {
  for (const char* bad : {"meta-llama/Llama-3.2-1B", "qwen3", "Qwen/../x", ""}) {
    auto r = ClassifyModelName(bad);
    ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    for (const std::string& m : SupportedModels()) {
      EXPECT_NE(r.status().message().find(m), std::string::npos) << bad << ": " << m;
    }
  }
  EXPECT_EQ(SupportedModels().size(), 8u);
}

TEST(PickLitertlmFileTest, PrefersExactNameThenFirst) {
  auto exact = PickLitertlmFile(
      Listing("litert-community/Qwen3-0.6B",
              {"README.md", "A.litertlm", "Qwen3-0.6B.litertlm", "sub/Qwen3-0.6B.litertlm"}),
      "Qwen3-0.6B");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->name, "Qwen3-0.6B.litertlm");
  auto first = PickLitertlmFile(
      Listing("litert-community/gemma-3-270m-it",
              {"gemma3-270m-it-q8.litertlm", "gemma3-270m-it-q4.litertlm", "x.task"}),
      "gemma-3-270m-it");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->name, "gemma3-270m-it-q4.litertlm");
  auto none = PickLitertlmFile(Listing("litert-community/x", {"x.task", "dir/a.litertlm"}), "x");
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(PickCheckpointFilesTest, SingleFileQwen) {
  auto files = PickCheckpointFiles(Listing(
      "Qwen/Qwen3-0.6B", {"README.md", "LICENSE", "merges.txt", "model.safetensors",
                          "tokenizer.json", "config.json", "generation_config.json",
                          "tokenizer_config.json", "vocab.json", "onnx/model.safetensors"}));
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(Names(*files),
            (std::vector<std::string>{"config.json", "model.safetensors", "tokenizer.json",
                                      "generation_config.json", "tokenizer_config.json"}));
}

// A checkpoint saved by recent transformers keeps its chat template in chat_template.jinja.
TEST(PickCheckpointFilesTest, ChatTemplateFileIsDownloaded) {
  auto files = PickCheckpointFiles(Listing(
      "HuggingFaceTB/SmolLM2-135M-Instruct",
      {"chat_template.jinja", "config.json", "model.safetensors", "tokenizer.json",
       "tokenizer_config.json", "onnx/chat_template.jinja"}));
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(Names(*files),
            (std::vector<std::string>{"config.json", "chat_template.jinja", "model.safetensors",
                                      "tokenizer.json", "tokenizer_config.json"}));
}

TEST(PickCheckpointFilesTest, ShardedGemma) {
  auto files = PickCheckpointFiles(Listing(
      "google/gemma-3-1b",
      {"model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors",
       "model.safetensors.index.json", "tokenizer.model", "special_tokens_map.json",
       "config.json"}));
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->front().name, "config.json");
  EXPECT_EQ(files->size(), 6u);
}

TEST(PickCheckpointFilesTest, MissingPiecesAreNamed) {
  auto r = PickCheckpointFiles(Listing("Qwen/x", {"model.safetensors"}));
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("config.json"), std::string::npos);
  EXPECT_NE(r.status().message().find("tokenizer.json/tokenizer.model"), std::string::npos);
  EXPECT_EQ(r.status().message().find("*.safetensors"), std::string::npos);
}

TEST(CheckConvertibleConfigTest, ModelTypes) {
  EXPECT_TRUE(CheckConvertibleConfig(R"({"model_type": "qwen3"})", "Qwen/Qwen3-0.6B").ok());
  EXPECT_TRUE(CheckConvertibleConfig(R"({"model_type": "gemma3_text"})", "google/x").ok());
  EXPECT_TRUE(CheckConvertibleConfig(R"({"model_type": "llama"})", "HuggingFaceTB/x").ok());
  Status s = CheckConvertibleConfig(R"({"model_type": "mistral"})", "Qwen/x");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("model_type 'mistral'"), std::string::npos);
  EXPECT_FALSE(CheckConvertibleConfig("{", "Qwen/x").ok());
  EXPECT_FALSE(CheckConvertibleConfig(R"({"model_type": 3})", "Qwen/x").ok());
}

}  // namespace
}  // namespace litertlm::hub
