// A checkpoint whose chat template is only in chat_template.jinja (no "chat_template" in its
// tokenizer_config.json, as recent transformers releases save it) runs with that template, both
// as a checkpoint directory and after `convert`: it renders and generates exactly as the same
// checkpoint with the template inside tokenizer_config.json.
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "litertlm/converter.h"
#include "litertlm/engine.h"
#include "litertlm/session.h"
#include "unit/test_util.h"
#include "util/json.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A copy of golden fixture `name` in `dir` with its chat template moved from
// tokenizer_config.json to chat_template.jinja.
void WriteJinjaOnlyCheckpoint(const std::string& name, const fs::path& dir) {
  const fs::path src = fs::path(testing::GoldenDir()) / "models" / name;
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(src)) {
    const std::string file = e.path().filename().string();
    if (file == "tokenizer_config.json" || file == "reference.safetensors") continue;
    fs::copy_file(e.path(), dir / file);
  }
  auto doc = ParseJson(Slurp(src / "tokenizer_config.json"), name);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_TRUE((**doc).HasMember("chat_template"));
  const rapidjson::Value& jinja = (**doc)["chat_template"];
  testing::WriteFile((dir / "chat_template.jinja").string(),
                     std::string(jinja.GetString(), jinja.GetStringLength()));
  (**doc).RemoveMember("chat_template");
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  (**doc).Accept(writer);
  testing::WriteFile((dir / "tokenizer_config.json").string(), buf.GetString());
}

std::shared_ptr<const Engine> MustCreate(const std::string& path) {
  auto engine = Engine::Create(path);
  EXPECT_TRUE(engine.ok()) << path << ": " << engine.status().ToString();
  return engine.ok() ? *engine : nullptr;
}

const std::vector<Message>& Chat() {
  static const std::vector<Message> chat = {{Role::kSystem, "Be terse."}, {Role::kUser, "Hi"},
                                            {Role::kAssistant, "Hello."}, {Role::kUser, "Name a colour."}};
  return chat;
}

std::string MustRender(const Engine& engine) {
  auto text = engine.chat_template().Render(Chat());
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

// Greedy reply to Chat() and the prompt's token count.
std::pair<std::string, int> MustGenerate(const std::shared_ptr<const Engine>& engine) {
  SessionOptions options;
  options.num_threads = 1;
  auto session = Session::Create(engine, options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  (*session)->SetHistory(Chat());
  GenerateOptions generate;
  generate.max_tokens = 6;
  SamplerOptions greedy;
  greedy.top_k = 1;
  greedy.temperature = 0;
  generate.sampler = greedy;
  auto reply = (*session)->Generate(generate);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (!reply.ok()) return {};
  return {reply->text, reply->stats.prompt_tokens};
}

std::string MustConvert(const std::string& source, const std::string& output) {
  ConvertOptions options;
  options.quantization = Quantization::kFp32;
  options.num_threads = 1;
  auto result = Convert(source, output, options);
  EXPECT_TRUE(result.ok()) << source << ": " << result.status().ToString();
  return output;
}

class ChatTemplateFileTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ChatTemplateFileTest, RunsWithItsTemplateDirectlyAndAfterConvert) {
  const std::string name = GetParam();
  const fs::path scratch = testing::ScratchDir();
  const fs::path jinja_only = scratch / "checkpoint";
  WriteJinjaOnlyCheckpoint(name, jinja_only);
  if (HasFatalFailure()) return;
  const std::string original_dir = testing::GoldenDir() + "/models/" + name;

  // The checkpoint directory.
  auto original = MustCreate(original_dir);
  auto from_file = MustCreate(jinja_only.string());
  ASSERT_NE(original, nullptr);
  ASSERT_NE(from_file, nullptr);
  ASSERT_TRUE(original->has_own_chat_template());
  EXPECT_TRUE(from_file->has_own_chat_template());
  EXPECT_NE(original->chat_template().family(), "prompt_templates");
  EXPECT_EQ(from_file->chat_template().family(), original->chat_template().family());
  EXPECT_EQ(MustRender(*from_file), MustRender(*original));
  EXPECT_EQ(MustGenerate(from_file), MustGenerate(original));

  // After convert.
  auto original_converted =
      MustCreate(MustConvert(original_dir, (scratch / "original.litertlm").string()));
  auto file_converted =
      MustCreate(MustConvert(jinja_only.string(), (scratch / "jinja.litertlm").string()));
  ASSERT_NE(original_converted, nullptr);
  ASSERT_NE(file_converted, nullptr);
  EXPECT_TRUE(file_converted->has_own_chat_template());
  EXPECT_EQ(file_converted->chat_template().family(), original->chat_template().family());
  EXPECT_EQ(MustRender(*file_converted), MustRender(*original_converted));
  EXPECT_EQ(MustGenerate(file_converted), MustGenerate(original_converted));
  fs::remove_all(scratch);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ChatTemplateFileTest,
                         ::testing::Values("gemma3_mqa", "qwen3_gqa", "llama3_gqa"));

}  // namespace
}  // namespace litertlm
