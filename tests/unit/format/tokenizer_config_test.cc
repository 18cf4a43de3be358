// format/tokenizer_config.h: the one reader of a checkpoint's tokenizer_config.json and
// chat_template.jinja.
#include "format/tokenizer_config.h"

#include <gtest/gtest.h>

#include <string>

#include "unit/test_util.h"

namespace litertlm {
namespace {

using testing::ScratchDir;
using testing::WriteFile;

TEST(ParseTokenizerConfig, TemplateAndTokensAsStrings) {
  auto c = ParseTokenizerConfig(R"({"chat_template": "T", "bos_token": "<s>", "eos_token": "</s>"})",
                                "dir/tokenizer_config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat_template, "T");
  EXPECT_EQ(c->chat_template_origin, "dir/tokenizer_config.json");
  EXPECT_TRUE(c->bos_token.present);
  EXPECT_EQ(c->bos_token.text, "<s>");
  EXPECT_EQ(c->eos_token.text, "</s>");
  EXPECT_EQ(c->bos_text(), "<s>");
  EXPECT_EQ(c->eos_text(), "</s>");
}

TEST(ParseTokenizerConfig, AddedTokenObjectsNullAndAbsentTokens) {
  auto c = ParseTokenizerConfig(R"({"bos_token": null, "eos_token": {"content": "<eot>", "lstrip": false}})",
                                "t.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat_template, std::nullopt);
  EXPECT_TRUE(c->chat_template_origin.empty());
  EXPECT_TRUE(c->bos_token.present);  // null: the tokenizer has no BOS
  EXPECT_EQ(c->bos_token.text, std::nullopt);
  EXPECT_EQ(c->bos_text(), "");
  EXPECT_EQ(c->eos_token.text, "<eot>");
  auto empty = ParseTokenizerConfig("{}", "t.json");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->bos_token.present);
  EXPECT_FALSE(empty->eos_token.present);
}

TEST(ParseTokenizerConfig, NamedTemplateListUsesDefault) {
  auto c = ParseTokenizerConfig(
      R"({"chat_template": [{"name": "tool_use", "template": "A"}, {"name": "default", "template": "B"}]})",
      "t.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat_template, "B");
  // Without a "default" entry there is no template to apply.
  auto none = ParseTokenizerConfig(R"({"chat_template": [{"name": "rag", "template": "A"}]})", "t.json");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->chat_template, std::nullopt);
}

TEST(ParseTokenizerConfig, ErrorsNameTheFileAndField) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c : {Case{R"({"chat_template": 3})", "'chat_template'"},
                        Case{R"({"chat_template": ["x"]})", "'chat_template'[0]"},
                        Case{R"({"chat_template": [{"template": "x"}]})", "'name'"},
                        Case{R"({"chat_template": [{"name": "default"}]})", "'template'"},
                        Case{R"({"bos_token": 1})", "'bos_token'"},
                        Case{R"({"eos_token": {"special": true}})", "'content'"},
                        Case{R"({"chat_template": )", "cfg.json"},
                        Case{R"([1, 2])", "not a JSON object"}}) {
    auto r = ParseTokenizerConfig(c.json, "cfg.json");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(r.status().message().find("cfg.json"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().message();
  }
}

TEST(ReadTokenizerConfig, MissingFilesLeaveItEmpty) {
  auto c = ReadTokenizerConfig(ScratchDir());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat_template, std::nullopt);
  EXPECT_FALSE(c->bos_token.present);
  EXPECT_FALSE(c->eos_token.present);
}

TEST(ReadTokenizerConfig, ChatTemplateFileAlone) {
  const std::string dir = ScratchDir();
  WriteFile(dir + "/tokenizer_config.json", R"({"bos_token": "<bos>", "eos_token": "<eos>"})");
  WriteFile(dir + "/chat_template.jinja", "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}\n");
  auto c = ReadTokenizerConfig(dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat_template, "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}\n");
  EXPECT_EQ(c->chat_template_origin, dir + "/chat_template.jinja");
  EXPECT_EQ(c->bos_token.text, "<bos>");
  EXPECT_EQ(c->eos_token.text, "<eos>");
  // Without a tokenizer_config.json at all.
  std::filesystem::remove(dir + "/tokenizer_config.json");
  auto alone = ReadTokenizerConfig(dir);
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_EQ(alone->chat_template, c->chat_template);
  EXPECT_FALSE(alone->bos_token.present);
}

// As transformers: the separate file takes priority over the config's field.
TEST(ReadTokenizerConfig, ChatTemplateFileWinsOverTheConfigField) {
  const std::string dir = ScratchDir();
  WriteFile(dir + "/tokenizer_config.json", R"({"chat_template": "from config"})");
  WriteFile(dir + "/chat_template.jinja", "from file");
  auto c = ReadTokenizerConfig(dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->chat_template, "from file");
  EXPECT_EQ(c->chat_template_origin, dir + "/chat_template.jinja");
  std::filesystem::remove(dir + "/chat_template.jinja");
  auto field = ReadTokenizerConfig(dir);
  ASSERT_TRUE(field.ok());
  EXPECT_EQ(field->chat_template, "from config");
  EXPECT_EQ(field->chat_template_origin, dir + "/tokenizer_config.json");
}

TEST(ReadTokenizerConfig, MalformedConfigNamesTheFile) {
  const std::string dir = ScratchDir();
  WriteFile(dir + "/tokenizer_config.json", "{\"bos_token\": ");
  auto c = ReadTokenizerConfig(dir);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(dir + "/tokenizer_config.json"), std::string::npos)
      << c.status().message();
}

}  // namespace
}  // namespace litertlm
