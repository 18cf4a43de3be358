// EnsureRunnableModel (litertlm/model_resolver.h), linked like a user would (shared library,
// public headers only). Offline throughout: local paths, a checkpoint already in the models
// directory (converted once, then found), the .gguf conversion cache and its record.
#include "litertlm/model_resolver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "litertlm/engine.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;
using Kind = ModelResolveEvent::Kind;

std::string GoldenDir() {
  const char* v = std::getenv("LITERTLM_GOLDEN_DIR");
  return v != nullptr && *v != '\0' ? v : LITERTLM_GOLDEN_DIR_DEFAULT;
}

struct Seen {
  Kind kind;
  std::string path;
  std::string source;
  ConvertReason reason;
  bool has_conversion;
};

class ModelResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("LITERTLM_TEST_TMPDIR");
    dir_ = fs::path(base != nullptr && *base ? base : LITERTLM_TEST_TMPDIR_DEFAULT) /
           ("model_resolver_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ModelResolveOptions Options() {
    ModelResolveOptions o;
    o.store.models_dir = (dir_ / "models").string();
    o.store.offline = true;
    o.convert.quantization = Quantization::kFp32;
    o.convert.format = FileFormat::kLiblitertlm;
    o.on_event = [this](const ModelResolveEvent& e) {
      events_.push_back({e.kind, e.path, e.source, e.reason, e.conversion != nullptr});
    };
    return o;
  }

  fs::path dir_;
  std::vector<Seen> events_;
};

TEST_F(ModelResolverTest, AnExistingPathIsReturnedAsGiven) {
  const std::string checkpoint = GoldenDir() + "/models/qwen3_gqa";
  auto path = EnsureRunnableModel(checkpoint, Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, checkpoint);
  const fs::path file = dir_ / "model.litertlm";
  std::ofstream(file) << "not looked at";
  path = EnsureRunnableModel(file.string(), Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, file.string());
  EXPECT_TRUE(events_.empty());
  EXPECT_FALSE(fs::exists(dir_ / "models")) << "the models directory was not needed";
}

TEST_F(ModelResolverTest, OfflineAndNotLocalIsNotFound) {
  auto path = EnsureRunnableModel("Qwen/Qwen3-0.6B", Options());
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kNotFound) << path.status().ToString();
  EXPECT_NE(path.status().message().find("Qwen/Qwen3-0.6B"), std::string::npos) << path.status().message();
  EXPECT_TRUE(events_.empty());
  auto bad = EnsureRunnableModel("no-such-org/NoSuchModel", Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
}

// A complete checkpoint in the models directory is converted once, offline, into the place
// ModelStore names for it; the next call finds the .litertlm and converts nothing.
TEST_F(ModelResolverTest, LocalCheckpointIsConvertedOnceThenFound) {
  const fs::path model_dir = dir_ / "models" / "Qwen" / "Qwen3-0.6B";
  fs::create_directories(model_dir / "checkpoint");
  for (const auto& entry : fs::directory_iterator(GoldenDir() + "/models/qwen3_gqa"))
    fs::copy(entry.path(), model_dir / "checkpoint" / entry.path().filename());
  std::ofstream(model_dir / "checkpoint" / ".download-complete") << "";
  const std::string expected = (model_dir / "Qwen3-0.6B.litertlm").string();

  auto path = EnsureRunnableModel("Qwen/Qwen3-0.6B", Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, expected);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].kind, Kind::kConverting);
  EXPECT_EQ(events_[0].reason, ConvertReason::kLocalCheckpoint);
  EXPECT_EQ(events_[0].source, (model_dir / "checkpoint").string());
  EXPECT_EQ(events_[0].path, expected);
  EXPECT_EQ(events_[1].kind, Kind::kConverted);
  EXPECT_TRUE(events_[1].has_conversion);
  auto engine = Engine::Create(*path);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();

  events_.clear();
  path = EnsureRunnableModel("Qwen/Qwen3-0.6B", Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, expected);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, Kind::kFound);
  EXPECT_EQ(events_[0].path, expected);
}

// The .gguf cache: a conversion whose record matches the file is found; a changed file or a
// missing record converts again (here into an error: this fixture has no chat tokens, so the
// conversion fails, and the old output is not returned).
TEST_F(ModelResolverTest, GgufConversionIsReusedOnlyWhileItsRecordMatches) {
  const fs::path gguf = dir_ / "tiny.gguf";
  fs::copy(GoldenDir() + "/gguf/tiny_gemma3.gguf", gguf);
  const std::string out = GgufConversionPath((dir_ / "models").string(), gguf.string());
  EXPECT_EQ(out, (dir_ / "models" / "local" / "tiny" / "tiny.litertlm").string());

  auto path = EnsureRunnableModel(gguf.string(), Options());
  ASSERT_FALSE(path.ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, Kind::kConverting);
  EXPECT_EQ(events_[0].reason, ConvertReason::kGgufNotConverted);
  EXPECT_EQ(events_[0].source, gguf.string());
  EXPECT_EQ(events_[0].path, out);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".source")) << "a failed conversion is not recorded";

  // A conversion recorded from the file as it is: found, nothing converted.
  fs::create_directories(fs::path(out).parent_path());
  std::ofstream(out) << "converted";
  ASSERT_TRUE(RecordConversionSource(out, gguf.string()).ok());
  events_.clear();
  path = EnsureRunnableModel(gguf.string(), Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, out);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, Kind::kFound);

  // The same bytes with a new date: changed.
  fs::last_write_time(gguf, fs::last_write_time(gguf) + std::chrono::seconds(5));
  events_.clear();
  EXPECT_FALSE(EnsureRunnableModel(gguf.string(), Options()).ok());
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_[0].kind, Kind::kConverting);
  EXPECT_EQ(events_[0].reason, ConvertReason::kGgufChanged);

  // No record at all.
  fs::remove(out + ".source");
  events_.clear();
  EXPECT_FALSE(EnsureRunnableModel(gguf.string(), Options()).ok());
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_[0].reason, ConvertReason::kGgufUnrecorded);

  EXPECT_EQ(RecordConversionSource(out, (dir_ / "missing.gguf").string()).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace litertlm
