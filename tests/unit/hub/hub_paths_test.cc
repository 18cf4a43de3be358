#include "hub/hub_paths.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "unit/hub/test_dir.h"

namespace litertlm::hub {
namespace {

using testing::TestDir;

TEST(ValidateRepoIdTest, AcceptsHubNames) {
  for (const char* ok : {"Qwen/Qwen3-0.6B", "google/gemma-3-270m-it", "litert-community/x",
                         "a_b/c.d"}) {
    EXPECT_TRUE(ValidateRepoId(ok).ok()) << ok;
  }
}

TEST(ValidateRepoIdTest, RejectsTraversalAndOddNames) {
  for (const char* bad : {"", "Qwen", "Qwen/", "/Qwen3", "a/b/c", "../x", "Qwen/..", "Qwen/.",
                          "Qwen/a..b", "Qwen/a--b", "Qwen/-a", "Qwen/a.", "Qwen/a b",
                          "Qwen/a\x01", "Qwen/a\\b", "Qwen/%2e%2e"}) {
    Status s = ValidateRepoId(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ValidateRepoId(std::string(97, 'a') + "/b").code(), StatusCode::kInvalidArgument);
}

TEST(ValidateRepoIdTest, MessageShowsControlCharactersEscaped) {
  Status s = ValidateRepoId("Qwen/a\x1b[31m");
  EXPECT_NE(s.message().find("\\x1b"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\x1b'), std::string::npos);
}

TEST(ValidateRepoFilenameTest, AcceptsRelativeNames) {
  for (const char* ok : {"config.json", "onnx/model.onnx", "a.b/c..d", "model-00001-of-00002.safetensors"}) {
    EXPECT_TRUE(ValidateRepoFilename(ok).ok()) << ok;
  }
}

TEST(ValidateRepoFilenameTest, RejectsDangerousNames) {
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", "..",
                          "a\\..\\b", "a\nb", "a\x7f", "a\tb"}) {
    EXPECT_EQ(ValidateRepoFilename(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ValidateRepoFilename(std::string(256, 'a')).ok());
  EXPECT_FALSE(ValidateRepoFilename(std::string(1025, 'a')).ok());
}

TEST(ResolveInsideTest, JoinsInsideRoot) {
  TestDir dir;
  auto p = ResolveInside(dir.path(), "Qwen/Qwen3-0.6B/checkpoint/config.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, dir.Join("Qwen/Qwen3-0.6B/checkpoint/config.json"));
}

TEST(ResolveInsideTest, RefusesEscapes) {
  TestDir dir;
  for (const char* bad : {"../x", "a/../../x", "/etc/passwd", "", ".", "a/.."}) {
    EXPECT_FALSE(ResolveInside(dir.path(), bad).ok()) << bad;
  }
}

TEST(ResolveInsideTest, RefusesSymlinkEscape) {
  TestDir dir;
  TestDir outside;
  std::filesystem::create_directories(dir.Join("models"));
  std::filesystem::create_symlink(outside.path(), dir.Join("models/evil"));
  auto p = ResolveInside(dir.Join("models"), "evil/file.litertlm");
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("symbolic link"), std::string::npos);
  // A symlink that stays inside is fine.
  std::filesystem::create_directories(dir.Join("models/real"));
  std::filesystem::create_symlink(dir.Join("models/real"), dir.Join("models/alias"));
  EXPECT_TRUE(ResolveInside(dir.Join("models"), "alias/x").ok());
}

TEST(ResolveInsideTest, SiblingWithCommonPrefixIsOutside) {
  TestDir dir;
  std::filesystem::create_directories(dir.Join("models2"));
  EXPECT_FALSE(IsInside(dir.Join("models"), dir.Join("models2/x")));
  EXPECT_TRUE(IsInside(dir.Join("models"), dir.Join("models/x")));
  EXPECT_TRUE(IsInside(dir.Join("models"), dir.Join("models")));
}

TEST(ChooseModelsDirTest, PriorityOrder) {
  EXPECT_EQ(*ChooseModelsDir({"/flag", "/env", "/xdg", "/home/u"}), "/flag");
  EXPECT_EQ(*ChooseModelsDir({"", "/env", "/xdg", "/home/u"}), "/env");
  EXPECT_EQ(*ChooseModelsDir({"", "", "/xdg", "/home/u"}), "/xdg/litert-lm/models");
  EXPECT_EQ(*ChooseModelsDir({"", "", "", "/home/u"}), "/home/u/.cache/litert-lm/models");
  // A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
  EXPECT_EQ(*ChooseModelsDir({"", "", "rel", "/home/u"}), "/home/u/.cache/litert-lm/models");
  EXPECT_EQ(*ChooseModelsDir({"/flag/", "", "", ""}), "/flag");
  EXPECT_EQ(ChooseModelsDir({"", "", "", ""}).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace litertlm::hub
