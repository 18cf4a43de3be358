// The ModelStore public API, linked like a user would (shared library, public headers only).
// Offline throughout: these tests make no network call.
#include "litertlm/hub.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using litertlm::ModelFormat;
using litertlm::ModelStore;
using litertlm::ModelStoreOptions;
using litertlm::StatusCode;

class HubApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("LITERTLM_TEST_TMPDIR");
    dir_ = fs::path(base != nullptr && *base ? base : LITERTLM_TEST_TMPDIR_DEFAULT) /
           ("hub_api_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<ModelStore> Open() {
    ModelStoreOptions options;
    options.models_dir = (dir_ / "models").string();
    options.offline = true;
    auto store = ModelStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return std::move(*store);
  }
  void Write(const fs::path& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }

  fs::path dir_;
};

TEST_F(HubApiTest, SupportedModels) {
  auto models = ModelStore::SupportedModels();
  EXPECT_EQ(models.size(), 8u);
  EXPECT_EQ(models.front(), "litert-community/Qwen3-0.6B");
}

TEST_F(HubApiTest, FindsLocalModelsByNameAndPath) {
  auto store = Open();
  EXPECT_EQ(store->models_dir(), (dir_ / "models").string());
  EXPECT_TRUE(store->offline());
  Write("models/litert-community/Qwen3-0.6B/Qwen3-0.6B.litertlm", "m");
  auto a = store->Pull("litert-community/Qwen3-0.6B");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->format, ModelFormat::kLitertlm);
  EXPECT_FALSE(a->downloaded);
  Write("ckpt/config.json", "{}");
  auto b = store->Find((dir_ / "ckpt").string());
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->needs_conversion());
  EXPECT_EQ(b->checkpoint_dir, (dir_ / "ckpt").string());
}

TEST_F(HubApiTest, OfflineMissingModelIsNamed) {
  auto store = Open();
  auto r = store->Pull("Qwen/Qwen3-0.6B");
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("Qwen/Qwen3-0.6B"), std::string::npos);
  EXPECT_NE(r.status().message().find("offline"), std::string::npos);
  auto c = store->PullCheckpoint("Qwen/Qwen3-0.6B");
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST_F(HubApiTest, UnsupportedAndPreconvertedNames) {
  auto store = Open();
  auto r = store->Find("meta-llama/Llama-3.2-1B");
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("google/gemma-3-270m-it"), std::string::npos);
  EXPECT_EQ(store->PullCheckpoint("litert-community/Qwen3-0.6B").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(HubApiTest, PullCheckpointFindsCompleteCheckpointEvenWhenConverted) {
  auto store = Open();
  Write("models/Qwen/Qwen3-0.6B/checkpoint/config.json", "{}");
  Write("models/Qwen/Qwen3-0.6B/checkpoint/.download-complete", "x");
  Write("models/Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm", "converted");
  EXPECT_EQ(store->Pull("Qwen/Qwen3-0.6B")->format, ModelFormat::kLitertlm);
  auto c = store->PullCheckpoint("Qwen/Qwen3-0.6B");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->checkpoint_dir, (dir_ / "models/Qwen/Qwen3-0.6B/checkpoint").string());
  EXPECT_EQ(c->litertlm_path, (dir_ / "models/Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm").string());
}

TEST_F(HubApiTest, ListAndRemove) {
  auto store = Open();
  Write("models/google/gemma-3-270m/gemma-3-270m.litertlm", "12345");
  Write("outside.litertlm", "keep");
  auto list = store->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "google/gemma-3-270m");
  EXPECT_EQ((*list)[0].size_bytes, 5u);
  EXPECT_EQ(store->Remove((dir_ / "outside.litertlm").string()).status().code(),
            StatusCode::kPermissionDenied);
  auto freed = store->Remove("google/gemma-3-270m");
  ASSERT_TRUE(freed.ok());
  EXPECT_EQ(*freed, 5u);
  EXPECT_TRUE(store->List()->empty());
  EXPECT_TRUE(fs::exists(dir_ / "outside.litertlm"));
}

TEST_F(HubApiTest, EnvironmentChoosesDirAndOffline) {
  ::setenv("LITERTLM_MODELS_DIR", (dir_ / "from_env").c_str(), 1);
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  auto store = ModelStore::Open({});
  ::unsetenv("LITERTLM_MODELS_DIR");
  ::unsetenv("HF_HUB_OFFLINE");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->models_dir(), (dir_ / "from_env").string());
  EXPECT_TRUE((*store)->offline());
}

}  // namespace
