// InspectLitertlmFile over files written by the format writer, and over the committed golden file
// (format stability: files written by earlier builds must keep reading the same).
#include "litertlm/inspect.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../format/litertlm_test_util.h"

namespace litertlm {
namespace {

using ::testing::HasSubstr;

std::string GoldenPath() {
  const char* dir = std::getenv("LITERTLM_GOLDEN_DIR");
  return (dir ? std::string(dir) : format::testing::TestsDir() + "/golden") +
         "/format/sample.litertlm";
}

std::string GoldenV1Path() {
  return GoldenPath().substr(0, GoldenPath().size() - std::string("sample.litertlm").size()) +
         "sample_weights_v1.litertlm";
}

// Files written since checksums carry a second system metadata entry, the sections' SHA-256.
void ExpectSampleInfo(const LitertlmFileInfo& info, const char* weights_version = "2",
                      size_t system_entries = 2) {
  EXPECT_EQ(info.major_version, 1u);
  EXPECT_EQ(info.minor_version, 6u);
  ASSERT_EQ(info.sections.size(), 4u);
  EXPECT_EQ(info.sections[0].type, "LlmMetadataProto");
  EXPECT_EQ(info.sections[0].begin_offset, 16384u);
  EXPECT_EQ(info.sections[1].type, "HF_Tokenizer_Zlib");
  EXPECT_EQ(info.sections[2].type, "GenericBinaryData");
  ASSERT_EQ(info.sections[2].items.size(), 1u);
  EXPECT_EQ(info.sections[2].items[0].second, "hf_config_json");
  EXPECT_EQ(info.sections[3].items[0].second, "liblitertlm_weights");
  EXPECT_EQ(info.sections[3].items[1].first, "weights_format_version");
  EXPECT_EQ(info.sections[3].items[1].second, weights_version);
  ASSERT_EQ(info.system_metadata.size(), system_entries);
  EXPECT_EQ(info.system_metadata[0].first, "creator");
  if (system_entries == 2) {
    EXPECT_EQ(info.system_metadata[1].first, "liblitertlm_sections_sha256");
    EXPECT_EQ(info.system_metadata[1].second.size(), 64u);
  }
  EXPECT_THAT(info.metadata_text, HasSubstr("stop_tokens {\n  token_str: \"<end_of_turn>\"\n}"));
  EXPECT_THAT(info.metadata_text, HasSubstr("llm_model_type {\n  qwen3 {\n  }\n}"));
  EXPECT_THAT(info.metadata_text, HasSubstr("quantization: \"dynamic_int8\""));
  EXPECT_EQ(info.tokenizer, "hf_tokenizer_json");
  EXPECT_EQ(info.tensor_count, 1);
  EXPECT_EQ(info.tensor_bytes, 24u);
  ASSERT_EQ(info.dtypes.size(), 1u);
  EXPECT_EQ(info.dtypes[0].dtype, "f32");
  EXPECT_EQ(info.dtypes[0].elements, 6);
}

TEST(InspectLitertlmFile, DescribesWrittenFile) {
  const std::string path = format::testing::TempPath("sample.litertlm");
  ASSERT_TRUE(format::testing::WriteSampleFile(path).ok());
  auto info = InspectLitertlmFile(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ExpectSampleInfo(*info);
  EXPECT_EQ(info->path, path);
}

TEST(InspectLitertlmFile, GoldenFileReadsAndWriterIsByteStable) {
  const std::string path = format::testing::TempPath("sample.litertlm");
  ASSERT_TRUE(format::testing::WriteSampleFile(path).ok());
  if (std::getenv("LITERTLM_UPDATE_GOLDEN") != nullptr) {
    format::testing::WriteAll(GoldenPath(), format::testing::ReadAll(path));
  }
  auto golden = InspectLitertlmFile(GoldenPath());
  ASSERT_TRUE(golden.ok()) << golden.status().ToString();
  ExpectSampleInfo(*golden);
  EXPECT_EQ(format::testing::ReadAll(path), format::testing::ReadAll(GoldenPath()))
      << "the writer's output changed; if intended (format change), bump the version, keep old "
         "files readable, and regenerate with LITERTLM_UPDATE_GOLDEN=1";
}

// Files written before weights format version 2 (packed matrices) stay readable.
TEST(InspectLitertlmFile, WeightsFormatVersion1FileStillReads) {
  auto golden = InspectLitertlmFile(GoldenV1Path());
  ASSERT_TRUE(golden.ok()) << golden.status().ToString();
  ExpectSampleInfo(*golden, "1", /*system_entries=*/1);
}

// Google's export_hf file (container 1.7.0): its ExecutorMetadataProto section gets a readable line.
TEST(InspectLitertlmFile, ShowsGooglesExecutorMetadata) {
  const char* golden = std::getenv("LITERTLM_GOLDEN_DIR");
  const std::string dir = golden ? std::string(golden) : format::testing::TestsDir() + "/golden";
  auto info = InspectLitertlmFile(dir + "/google/qwen3_gqa_export_hf_int8.litertlm");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->minor_version, 7u);
  int found = 0;
  for (const LitertlmSectionSummary& s : info->sections) {
    if (s.type != "ExecutorMetadataProto") {
      EXPECT_TRUE(s.executor_metadata.empty()) << s.type;
      continue;
    }
    ++found;
    EXPECT_EQ(s.executor_metadata,
              "6 state buffers: 3 TYPE_GLOBAL_KEY_CACHE (axis 2, length <= 64), 3 TYPE_GLOBAL_VALUE_CACHE "
              "(axis 3, length <= 64); max history 64");
  }
  EXPECT_EQ(found, 1);
}

TEST(InspectLitertlmFile, ErrorsNameTheFile) {
  auto missing = InspectLitertlmFile("/nonexistent/x.litertlm");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/x.litertlm"));
  const std::string path = format::testing::TempPath("notlitertlm.bin");
  format::testing::WriteAll(path, std::vector<uint8_t>(64, 'a'));
  auto bad = InspectLitertlmFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), path + ": not a .litertlm file (bad magic; expected 'LITERTLM')");
}

}  // namespace
}  // namespace litertlm
