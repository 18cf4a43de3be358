#include "hub/hub_token.h"

#include <gtest/gtest.h>

#include <map>

#include "unit/hub/test_dir.h"

namespace litertlm::hub {
namespace {

using testing::TestDir;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(FindHubTokenTest, OrderEnvThenCwdThenParentThenTokenFile) {
  TestDir dir;
  std::string cwd = dir.Join("project/sub");
  dir.Write("project/sub/HF_TOKEN", "tok_cwd\n");
  dir.Write("project/HF_TOKEN", "  tok_parent \r\n");
  std::string token_path = dir.Write("token_file", "tok_file");
  dir.Write("hf_home/token", "tok_hf_home");
  dir.Write("xdg/huggingface/token", "tok_xdg");
  dir.Write("home/.cache/huggingface/token", "tok_home");
  std::map<std::string, std::string> env = {{"HF_TOKEN", "tok_env"},
                                            {"HF_TOKEN_PATH", token_path},
                                            {"HF_HOME", dir.Join("hf_home")},
                                            {"XDG_CACHE_HOME", dir.Join("xdg")},
                                            {"HOME", dir.Join("home")}};
  auto value = [&] {
    auto t = FindHubToken(FakeEnv(env), cwd);
    return t ? t->value : std::string("<none>");
  };
  EXPECT_EQ(value(), "tok_env");
  EXPECT_EQ(FindHubToken(FakeEnv(env), cwd)->source, "the HF_TOKEN environment variable");
  env["HF_TOKEN"] = "  ";  // blank counts as absent
  EXPECT_EQ(value(), "tok_cwd");
  std::filesystem::remove(dir.Join("project/sub/HF_TOKEN"));
  EXPECT_EQ(value(), "tok_parent");
  EXPECT_EQ(FindHubToken(FakeEnv(env), cwd)->source, dir.Join("project/HF_TOKEN"));
  std::filesystem::remove(dir.Join("project/HF_TOKEN"));
  EXPECT_EQ(value(), "tok_file");
  env.erase("HF_TOKEN_PATH");
  EXPECT_EQ(value(), "tok_hf_home");
  env.erase("HF_HOME");
  EXPECT_EQ(value(), "tok_xdg");
  env.erase("XDG_CACHE_HOME");
  EXPECT_EQ(value(), "tok_home");
  env.erase("HOME");
  EXPECT_EQ(value(), "<none>");
}

TEST(FindHubTokenTest, LegacyEnvironmentVariable) {
  auto t = FindHubToken(FakeEnv({{"HUGGING_FACE_HUB_TOKEN", "legacy"}}), "/nonexistent/dir");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->value, "legacy");
}

TEST(FindHubTokenTest, EmptyAndDirectoryTokenFilesAreIgnored) {
  TestDir dir;
  dir.Write("a/HF_TOKEN", "\n");
  std::filesystem::create_directories(dir.Join("HF_TOKEN"));  // parent "file" is a directory
  EXPECT_FALSE(FindHubToken(FakeEnv({}), dir.Join("a")).has_value());
}

TEST(RedactTokenTest, ReplacesEveryOccurrence) {
  EXPECT_EQ(RedactToken("a hf_x b hf_x", "hf_x"), "a <redacted> b <redacted>");
  EXPECT_EQ(RedactToken("nothing", ""), "nothing");
}

}  // namespace
}  // namespace litertlm::hub
