#include "format/model_file_writer.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "format/litertlm_weight_source.h"
#include "format/llm_metadata.pb.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

using ::testing::HasSubstr;

class MemoryWeightSource : public WeightSource {
 public:
  void Add(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
    order_.push_back(name);
    tensors_[name] = {std::move(shape), std::move(values)};
  }
  std::vector<std::string> TensorNames() const override { return order_; }
  bool HasTensor(const std::string& name) const override { return tensors_.count(name) > 0; }
  StatusOr<TensorView> Tensor(const std::string& name) const override {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) return NotFoundError(origin_ + ": no tensor '" + name + "'");
    TensorView v;
    v.shape = it->second.first;
    v.data = {reinterpret_cast<const uint8_t*>(it->second.second.data()),
              it->second.second.size() * 4};
    return v;
  }
  const std::string& origin() const override { return origin_; }

 private:
  std::string origin_ = "memory";
  std::vector<std::string> order_;
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> tensors_;
};

MemoryWeightSource SampleSource() {
  MemoryWeightSource src;
  src.Add("model.embed_tokens.weight", {3, 4}, {1, -2, 3, -4, 5, 6, 7, 8, 0, 0, 0, 0.5f});
  src.Add("model.norm.weight", {4}, {1, 1, 1, 1});
  return src;
}

ModelFileContents SampleContents(const litert::lm::proto::LlmMetadata& metadata) {
  ModelFileContents c;
  c.metadata = &metadata;
  c.tokenizer_kind = TokenizerKind::kHfTokenizerJson;
  c.tokenizer_bytes = testing::kTokenizerJson;
  c.config_json = testing::kConfigJson;
  c.system_metadata = {{"creator", std::string("test")}};
  return c;
}

// Test-only symmetric per-row int8 quantizer for rank-2 f32 tensors.
StatusOr<TensorView> QuantizeRows(const std::string&, const TensorView& src, TensorScratch& s) {
  if (src.shape.size() != 2) return src;
  const int64_t rows = src.shape[0], cols = src.shape[1];
  const float* x = reinterpret_cast<const float*>(src.data.data());
  s.data.resize(static_cast<size_t>(rows * cols));
  s.scales.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    float m = 1e-9f;
    for (int64_t c = 0; c < cols; ++c) m = std::max(m, std::fabs(x[r * cols + c]));
    s.scales[r] = m / 127;
    for (int64_t c = 0; c < cols; ++c) {
      s.data[r * cols + c] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[r * cols + c] / s.scales[r])));
    }
  }
  TensorView out;
  out.dtype = DType::kI8;
  out.shape = src.shape;
  out.data = s.data;
  out.scales = s.scales;
  return out;
}

TEST(WriteModelFile, CopiesAndTransformsTensorsWithProgress) {
  const std::string path = testing::TempPath("model.litertlm");
  MemoryWeightSource src = SampleSource();
  litert::lm::proto::LlmMetadata metadata = testing::SampleMetadata();
  std::vector<WriteProgress> seen;
  Status s = WriteModelFile(path, SampleContents(metadata), src, {}, QuantizeRows,
                            [&](const WriteProgress& p) {
                              seen.push_back(p);
                              return true;
                            });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].tensor_index, 2u);
  EXPECT_EQ(seen[1].tensor_count, 2u);
  EXPECT_EQ(seen[1].tensor_name, "model.norm.weight");
  EXPECT_GT(seen[1].bytes_written, seen[0].bytes_written);

  auto out = LitertlmWeightSource::Open(path);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto emb = (*out)->Tensor("model.embed_tokens.weight");
  ASSERT_TRUE(emb.ok());
  EXPECT_EQ(emb->dtype, DType::kI8);
  ASSERT_EQ(emb->scales.size(), 3u);
  EXPECT_FLOAT_EQ(emb->scales[1], 8.0f / 127);
  EXPECT_EQ(static_cast<int8_t>(emb->data[3]), -127);  // -4 / (4/127)
  auto norm = (*out)->Tensor("model.norm.weight");
  ASSERT_TRUE(norm.ok());
  EXPECT_EQ(norm->dtype, DType::kF32);
  const LitertlmReader& r = (*out)->reader();
  EXPECT_EQ(*r.hf_config_json(), testing::kConfigJson);
  EXPECT_EQ(*r.TokenizerBytes(), testing::kTokenizerJson);
  EXPECT_EQ(r.metadata()->SerializeAsString(), metadata.SerializeAsString());
}

TEST(WriteModelFile, RepacksAnExistingFileUnchanged) {
  const std::string first = testing::TempPath("a.litertlm");
  const std::string second = testing::TempPath("b.litertlm");
  MemoryWeightSource src = SampleSource();
  litert::lm::proto::LlmMetadata metadata = testing::SampleMetadata();
  ASSERT_TRUE(WriteModelFile(first, SampleContents(metadata), src, {}, QuantizeRows, {}).ok());
  auto a = LitertlmWeightSource::Open(first);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(WriteModelFile(second, SampleContents(metadata), **a, {}, {}, {}).ok());
  EXPECT_EQ(testing::ReadAll(first), testing::ReadAll(second));
}

TEST(WriteModelFile, CancelAndErrorsLeaveNoFile) {
  const std::string path = testing::TempPath("none.litertlm");
  MemoryWeightSource src = SampleSource();
  litert::lm::proto::LlmMetadata metadata = testing::SampleMetadata();
  Status cancelled = WriteModelFile(path, SampleContents(metadata), src, {}, {},
                                    [](const WriteProgress&) { return false; });
  EXPECT_EQ(cancelled.code(), StatusCode::kCancelled);
  EXPECT_THAT(cancelled.message(), HasSubstr("cancelled after tensor 1 of 2"));
  EXPECT_FALSE(std::ifstream(path).good());

  Status missing = WriteModelFile(path, SampleContents(metadata), src, {"lm_head.weight"}, {}, {});
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("'lm_head.weight'"));
  EXPECT_FALSE(std::ifstream(path).good());

  ModelFileContents no_config = SampleContents(metadata);
  no_config.config_json = {};
  EXPECT_THAT(WriteModelFile(path, no_config, src, {}, {}, {}).message(),
              HasSubstr("no config.json"));
  EXPECT_FALSE(std::ifstream(path).good());
}

}  // namespace
}  // namespace litertlm::format
