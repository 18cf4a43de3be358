#include "hub/local_models.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "unit/hub/test_dir.h"

namespace litertlm::hub {
namespace {

using testing::TestDir;
namespace fs = std::filesystem;

TEST(LocalModelsTest, FindByNamePrefersLitertlmThenCompleteCheckpoint) {
  TestDir dir;
  LocalModels local(dir.path());
  auto none = local.FindByName("Qwen/Qwen3-0.6B");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  dir.Write("Qwen/Qwen3-0.6B/checkpoint/config.json", "{}");
  EXPECT_FALSE(local.FindByName("Qwen/Qwen3-0.6B")->has_value());  // not marked complete
  dir.Write(std::string("Qwen/Qwen3-0.6B/checkpoint/") + kCheckpointCompleteMarker, "x");
  auto ckpt = local.FindByName("Qwen/Qwen3-0.6B");
  ASSERT_TRUE(ckpt.ok() && ckpt->has_value());
  EXPECT_EQ((*ckpt)->format, ModelFormat::kCheckpoint);
  EXPECT_EQ((*ckpt)->checkpoint_dir, dir.Join("Qwen/Qwen3-0.6B/checkpoint"));
  EXPECT_EQ((*ckpt)->litertlm_path, dir.Join("Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm"));

  dir.Write("Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm", "m");
  auto converted = local.FindByName("Qwen/Qwen3-0.6B");
  EXPECT_EQ((*converted)->format, ModelFormat::kLitertlm);
  EXPECT_EQ((*converted)->litertlm_path, dir.Join("Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm"));

  dir.Write("litert-community/gemma-3-270m-it/gemma3-270m-it-q8.litertlm", "m");
  auto pre = local.FindByName("litert-community/gemma-3-270m-it");
  EXPECT_EQ((*pre)->litertlm_path,
            dir.Join("litert-community/gemma-3-270m-it/gemma3-270m-it-q8.litertlm"));
  // A partial download is not a model.
  dir.Write("litert-community/Qwen3-0.6B/Qwen3-0.6B.litertlm.incomplete", "m");
  EXPECT_FALSE(local.FindByName("litert-community/Qwen3-0.6B")->has_value());
}

TEST(LocalModelsTest, FromPath) {
  TestDir dir;
  std::string file = dir.Write("x/model.litertlm", "m");
  auto a = LocalModels::FromPath(file);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->format, ModelFormat::kLitertlm);
  EXPECT_EQ(a->litertlm_path, file);

  dir.Write("org/name/checkpoint/config.json", "{}");
  auto b = LocalModels::FromPath(dir.Join("org/name/checkpoint"));
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->needs_conversion());
  EXPECT_EQ(b->litertlm_path, dir.Join("org/name/name.litertlm"));
  dir.Write("mine/config.json", "{}");
  EXPECT_EQ(LocalModels::FromPath(dir.Join("mine/"))->litertlm_path, dir.Join("mine.litertlm"));

  EXPECT_EQ(LocalModels::FromPath(dir.Write("notes.txt", "x")).status().code(),
            StatusCode::kInvalidArgument);
  fs::create_directories(dir.Join("empty"));
  EXPECT_EQ(LocalModels::FromPath(dir.Join("empty")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LocalModels::FromPath(dir.Join("missing.litertlm")).status().code(),
            StatusCode::kNotFound);
}

TEST(LocalModelsTest, LooksLikePath) {
  EXPECT_TRUE(LocalModels::LooksLikePath("/abs"));
  EXPECT_TRUE(LocalModels::LooksLikePath("./rel"));
  EXPECT_TRUE(LocalModels::LooksLikePath("~/m"));
  EXPECT_TRUE(LocalModels::LooksLikePath("x.litertlm"));
  EXPECT_FALSE(LocalModels::LooksLikePath("Qwen/Qwen3-0.6B"));
  EXPECT_FALSE(LocalModels::LooksLikePath("qwen3"));
}

TEST(LocalModelsTest, ListWithSizes) {
  TestDir dir;
  dir.Write("Qwen/Qwen3-0.6B/checkpoint/model.safetensors", std::string(1000, 'x'));
  dir.Write("Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm", std::string(500, 'x'));
  dir.Write("litert-community/Qwen3-0.6B/a.litertlm.incomplete", std::string(7, 'x'));
  dir.Write(".hidden/x/y", "z");
  LocalModels local(dir.path());
  auto list = local.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Qwen/Qwen3-0.6B");
  EXPECT_EQ((*list)[0].size_bytes, 1500u);
  EXPECT_TRUE((*list)[0].has_checkpoint);
  EXPECT_FALSE((*list)[0].checkpoint_complete);
  EXPECT_EQ((*list)[0].litertlm_files, std::vector<std::string>{"Qwen3-0.6B.litertlm"});
  EXPECT_EQ((*list)[1].name, "litert-community/Qwen3-0.6B");
  EXPECT_EQ((*list)[1].size_bytes, 7u);
  EXPECT_TRUE((*list)[1].litertlm_files.empty());
  EXPECT_TRUE(LocalModels(dir.Join("nope")).List()->empty());
}

TEST(LocalModelsTest, RemoveByNameAndByInsidePath) {
  TestDir dir;
  std::string models = dir.Join("models");
  dir.Write("models/Qwen/Qwen3-0.6B/checkpoint/model.safetensors", std::string(100, 'x'));
  dir.Write("models/Qwen/Qwen3-1.7B/checkpoint/config.json", "{}");
  LocalModels local(models);
  auto freed = local.Remove("Qwen/Qwen3-0.6B");
  ASSERT_TRUE(freed.ok()) << freed.status().message();
  EXPECT_EQ(*freed, 100u);
  EXPECT_FALSE(fs::exists(dir.Join("models/Qwen/Qwen3-0.6B")));
  EXPECT_TRUE(local.Remove(dir.Join("models/Qwen/Qwen3-1.7B/checkpoint/config.json")).ok());
  EXPECT_FALSE(fs::exists(dir.Join("models/Qwen")));  // empty org directory removed too
  EXPECT_EQ(local.Remove("Qwen/Qwen3-0.6B").status().code(), StatusCode::kNotFound);
}

TEST(LocalModelsTest, RemoveRefusesOutside) {
  TestDir dir;
  std::string models = dir.Join("models");
  std::string outside = dir.Write("keep.litertlm", "precious");
  dir.Write("models/org/name/x.litertlm", "m");
  fs::create_symlink(dir.path(), dir.Join("models/org/link"));
  LocalModels local(models);
  for (const std::string& bad :
       {outside, dir.path(), models, models + "/..", models + "/org",
        models + "/org/link/keep.litertlm", std::string("../keep.litertlm")}) {
    auto r = local.Remove(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_TRUE(fs::exists(outside));
  EXPECT_TRUE(fs::exists(dir.Join("models/org/name/x.litertlm")));
  EXPECT_FALSE(local.Remove("org/../../x").ok());
}

}  // namespace
}  // namespace litertlm::hub
