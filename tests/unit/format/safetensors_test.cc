#include "format/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "format/hf_checkpoint.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

using ::testing::HasSubstr;

// Builds a safetensors file from a header JSON and a data blob.
std::string Safetensors(const std::string& header, const std::string& data) {
  uint64_t n = header.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string FloatBytes(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::ScratchDir(); }
  std::string Write(const std::string& bytes) {
    std::string path = dir_ + "/model.safetensors";
    testing::WriteFile(path, bytes);
    return path;
  }
  std::string dir_;
};

TEST_F(SafetensorsTest, ReadsTensorsZeroCopy) {
  auto path = Write(Safetensors(
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}})",
      FloatBytes({1, 2, 3, 4})));
  auto file = SafetensorsFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const TensorView& a = (*file)->tensors().at("a");
  EXPECT_EQ(a.dtype, DType::kF32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  float v[4];
  std::memcpy(v, a.data.data(), 16);
  EXPECT_EQ(v[3], 4.0f);
  EXPECT_EQ((*file)->metadata().at("format"), "pt");
}

TEST_F(SafetensorsTest, RejectsOverlappingDataOffsets) {
  // "b" starts inside "a": the two tensors would alias each other's bytes.
  auto file = SafetensorsFile::Open(Write(Safetensors(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      FloatBytes({1, 2, 3}))));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("'a' [0, 8) and 'b' [4, 12) overlap"));
  EXPECT_THAT(file.status().message(), HasSubstr("model.safetensors"));
}

TEST_F(SafetensorsTest, AcceptsAdjacentAndEmptyTensors) {
  auto file = SafetensorsFile::Open(Write(Safetensors(
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
      R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
      FloatBytes({1, 2}))));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
}

TEST_F(SafetensorsTest, RejectsFileShorterThanHeaderLength) {
  auto file = SafetensorsFile::Open(Write("abc"));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("truncated"));
  EXPECT_THAT(file.status().message(), HasSubstr("model.safetensors"));
}

TEST_F(SafetensorsTest, RejectsHeaderLengthPastEndOfFile) {
  std::string bytes = Safetensors(R"({})", "");
  uint64_t huge = 1ull << 40;
  std::memcpy(bytes.data(), &huge, 8);
  auto file = SafetensorsFile::Open(Write(bytes));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("runs past the end of the file"));
}

TEST_F(SafetensorsTest, RejectsTruncatedData) {
  std::string bytes = Safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                                  FloatBytes({1, 2, 3, 4}));
  bytes.resize(bytes.size() - 4);
  auto file = SafetensorsFile::Open(Write(bytes));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("tensor 'w'"));
  EXPECT_THAT(file.status().message(), HasSubstr("past the end"));
}

TEST_F(SafetensorsTest, RejectsSizeThatDisagreesWithShape) {
  auto file = SafetensorsFile::Open(Write(Safetensors(
      R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", FloatBytes({1, 2, 3, 4}))));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("16 bytes for F32 [3]"));
}

TEST_F(SafetensorsTest, RejectsUnknownDtypeNamingTheTensor) {
  auto file = SafetensorsFile::Open(Write(Safetensors(
      R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", "abcd")));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("tensor 'w'"));
  EXPECT_THAT(file.status().message(), HasSubstr("F8_E4M3"));
}

TEST_F(SafetensorsTest, RejectsOverflowingShape) {
  auto file = SafetensorsFile::Open(Write(Safetensors(
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", "abcd")));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("overflow"));
}

TEST_F(SafetensorsTest, RejectsInvalidJson) {
  auto file = SafetensorsFile::Open(Write(Safetensors("{not json", "")));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("invalid JSON"));
}

TEST_F(SafetensorsTest, MissingFileIsNotFound) {
  auto file = SafetensorsFile::Open(dir_ + "/absent.safetensors");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
}

TEST_F(SafetensorsTest, CheckpointWithoutWeightsIsNotFound) {
  testing::WriteFile(dir_ + "/config.json", "{}");
  auto ckpt = OpenHfCheckpoint(dir_);
  ASSERT_FALSE(ckpt.ok());
  EXPECT_EQ(ckpt.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(ckpt.status().message(), HasSubstr("model.safetensors"));
}

TEST_F(SafetensorsTest, ShardedIndexRejectsPathEscapes) {
  testing::WriteFile(dir_ + "/config.json", "{}");
  testing::WriteFile(dir_ + "/model.safetensors.index.json",
                     R"({"weight_map":{"a":"../../etc/passwd"}})");
  auto ckpt = OpenHfCheckpoint(dir_);
  ASSERT_FALSE(ckpt.ok());
  EXPECT_THAT(ckpt.status().message(), HasSubstr("not a plain file name"));
}

TEST_F(SafetensorsTest, ShardedIndexJoinsShards) {
  testing::WriteFile(dir_ + "/config.json", "{}");
  testing::WriteFile(dir_ + "/s1.safetensors",
                     Safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", FloatBytes({1})));
  testing::WriteFile(dir_ + "/s2.safetensors",
                     Safetensors(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", FloatBytes({2})));
  testing::WriteFile(dir_ + "/model.safetensors.index.json",
                     R"({"metadata":{},"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  auto ckpt = OpenHfCheckpoint(dir_);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status().ToString();
  EXPECT_TRUE(ckpt->weights->HasTensor("a"));
  EXPECT_TRUE(ckpt->weights->HasTensor("b"));
  auto missing = ckpt->weights->Tensor("c");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("'c'"));
}

TEST_F(SafetensorsTest, DuplicateTensorAcrossShardsIsRejected) {
  testing::WriteFile(dir_ + "/config.json", "{}");
  const std::string shard =
      Safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", FloatBytes({1}));
  testing::WriteFile(dir_ + "/s1.safetensors", shard);
  testing::WriteFile(dir_ + "/s2.safetensors", shard);
  testing::WriteFile(dir_ + "/model.safetensors.index.json",
                     R"({"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  auto ckpt = OpenHfCheckpoint(dir_);
  ASSERT_FALSE(ckpt.ok());
  EXPECT_THAT(ckpt.status().message(), HasSubstr("also appears in"));
}

}  // namespace
}  // namespace litertlm
