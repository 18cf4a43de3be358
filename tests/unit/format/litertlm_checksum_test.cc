// The SHA-256 the writer records over everything after the header region, and its check.
#include "format/litertlm_checksum.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <variant>

#include "format/litertlm_reader.h"
#include "unit/format/litertlm_test_util.h"

namespace litertlm::format {
namespace {

using ::testing::HasSubstr;

const std::string* RecordedChecksum(const LitertlmReader& r) {
  for (const KeyValue& kv : r.system_metadata()) {
    if (kv.key == kSectionsSha256Key) return std::get_if<std::string>(&kv.value);
  }
  return nullptr;
}

TEST(LitertlmChecksum, WriterRecordsTheSectionsSha256AndItVerifies) {
  const std::string path = testing::TempPath("checksum_ok.litertlm");
  ASSERT_TRUE(testing::WriteSampleFile(path).ok());
  auto reader = LitertlmReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const std::string* recorded = RecordedChecksum(**reader);
  ASSERT_NE(recorded, nullptr);
  EXPECT_EQ(recorded->size(), 64u);
  auto expected = SectionsSha256((*reader)->bytes());
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*recorded, *expected);
  auto state = VerifySectionsChecksum(**reader);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(*state, ChecksumState::kVerified);
}

TEST(LitertlmChecksum, OneFlippedByteInTheWeightsIsDataLoss) {
  const std::string path = testing::TempPath("checksum_flipped.litertlm");
  ASSERT_TRUE(testing::WriteSampleFile(path).ok());
  std::vector<uint8_t> bytes = testing::ReadAll(path);
  // One digit of config.json ("hidden_size": 8 → 9): the structure stays sound, so only the
  // checksum can tell.
  const std::string key = "\"hidden_size\": 8";
  auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end());
  ASSERT_NE(at, bytes.end());
  *(at + static_cast<std::ptrdiff_t>(key.size()) - 1) = '9';
  testing::WriteAll(path, bytes);
  auto reader = LitertlmReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto state = VerifySectionsChecksum(**reader);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(state.status().message(), HasSubstr("checksum_flipped.litertlm: damaged file"));
  EXPECT_THAT(state.status().message(), HasSubstr("litert-lm-cli rm MODEL"));
}

TEST(LitertlmChecksum, FilesWrittenBeforeChecksumsReadAsAbsent) {
  const std::string path = testing::TestsDir() + "/golden/format/sample_weights_v1.litertlm";
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  auto reader = LitertlmReader::Open(path, lenient);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(RecordedChecksum(**reader), nullptr);
  auto state = VerifySectionsChecksum(**reader);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, ChecksumState::kAbsent);
}

}  // namespace
}  // namespace litertlm::format
