// Write → read round trips of the .litertlm container: every dtype, every metadata value type,
// both tokenizer kinds, config.json, streamed sections, alignment guarantees.
#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "format/litertlm_reader.h"
#include "format/litertlm_weight_source.h"
#include "format/litertlm_writer.h"
#include "format/llm_metadata.pb.h"
#include "format/weights_layout.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

using ::litertlm::format::testing::ReadAll;
using ::litertlm::format::testing::TempPath;

struct OwnedTensor {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
  std::vector<float> scales;

  TensorView View() const {
    TensorView v;
    v.dtype = dtype;
    v.shape = shape;
    v.data = data;
    v.scales = scales;
    return v;
  }
};

OwnedTensor MakeTensor(std::string name, DType dtype, std::vector<int64_t> shape) {
  OwnedTensor t{std::move(name), dtype, std::move(shape), {}, {}};
  auto sizes = ComputeTensorByteSizes(dtype, t.shape, t.name);
  EXPECT_TRUE(sizes.ok()) << sizes.status().ToString();
  t.data.resize(sizes->data);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<uint8_t>(i * 7 + t.name.size());
  t.scales.resize(sizes->scales / 4);
  for (size_t i = 0; i < t.scales.size(); ++i) t.scales[i] = 0.5f + static_cast<float>(i);
  return t;
}

std::vector<OwnedTensor> AllDTypeTensors() {
  return {
      MakeTensor("model.embed_tokens.weight", DType::kF32, {5, 3}),
      MakeTensor("f16", DType::kF16, {7}),
      MakeTensor("bf16", DType::kBF16, {2, 2, 3}),
      MakeTensor("model.layers.0.mlp.down_proj.weight", DType::kI8, {4, 33}),
      MakeTensor("i4b32", DType::kI4Block32, {3, 64}),
      MakeTensor("i4b128", DType::kI4Block128, {2, 256}),
      MakeTensor("i32", DType::kI32, {5}),
      MakeTensor("i64", DType::kI64, {1, 1}),
      MakeTensor("scalar", DType::kF32, {}),
  };
}

TEST(LitertlmRoundTrip, EveryDTypeMetadataAndSection) {
  const std::string path = TempPath("all.litertlm");
  std::vector<OwnedTensor> tensors = AllDTypeTensors();
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    LitertlmWriter& w = **writer;
    w.AddSystemMetadata("u8", uint8_t{200});
    w.AddSystemMetadata("i8", int8_t{-5});
    w.AddSystemMetadata("u16", uint16_t{60000});
    w.AddSystemMetadata("i16", int16_t{-30000});
    w.AddSystemMetadata("u32", uint32_t{4000000000u});
    w.AddSystemMetadata("i32", int32_t{-2000000000});
    w.AddSystemMetadata("f32", 1.5f);
    w.AddSystemMetadata("bool", true);
    w.AddSystemMetadata("str", std::string("hello"));
    w.AddSystemMetadata("u64", uint64_t{1} << 60);
    w.AddSystemMetadata("i64", int64_t{-1} << 60);
    w.AddSystemMetadata("f64", 2.25);
    ASSERT_TRUE(w.AddLlmMetadata(testing::SampleMetadata()).ok());
    ASSERT_TRUE(w.AddHfTokenizerJson(testing::kTokenizerJson).ok());
    ASSERT_TRUE(w.AddHfConfigJson(testing::kConfigJson).ok());
    ASSERT_TRUE(w.BeginWeights().ok());
    for (const OwnedTensor& t : tensors) {
      Status s = w.AddTensor(t.name, t.View());
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE(w.EndWeights().ok());
    Status s = w.Finish();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  auto reader = LitertlmReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const LitertlmReader& r = **reader;
  EXPECT_EQ(r.major_version(), 1u);
  EXPECT_EQ(r.minor_version(), kOwnFormatVersion.minor);
  EXPECT_LE(r.header_end(), kMaxWrittenHeaderEnd);

  ASSERT_EQ(r.system_metadata().size(), 13u);  // the 12 added + the writer's checksum, last
  const auto& sm = r.system_metadata();
  EXPECT_EQ(sm[12].key, "liblitertlm_sections_sha256");
  EXPECT_EQ(std::get<uint8_t>(sm[0].value), 200);
  EXPECT_EQ(std::get<int8_t>(sm[1].value), -5);
  EXPECT_EQ(std::get<uint16_t>(sm[2].value), 60000);
  EXPECT_EQ(std::get<int16_t>(sm[3].value), -30000);
  EXPECT_EQ(std::get<uint32_t>(sm[4].value), 4000000000u);
  EXPECT_EQ(std::get<int32_t>(sm[5].value), -2000000000);
  EXPECT_EQ(std::get<float>(sm[6].value), 1.5f);
  EXPECT_EQ(std::get<bool>(sm[7].value), true);
  EXPECT_EQ(std::get<std::string>(sm[8].value), "hello");
  EXPECT_EQ(std::get<uint64_t>(sm[9].value), uint64_t{1} << 60);
  EXPECT_EQ(std::get<int64_t>(sm[10].value), int64_t{-1} << 60);
  EXPECT_EQ(std::get<double>(sm[11].value), 2.25);

  ASSERT_EQ(r.sections().size(), 4u);
  for (const SectionInfo& s : r.sections()) EXPECT_EQ(s.begin % kSectionAlignment, 0u);
  EXPECT_EQ(r.sections()[0].type, static_cast<uint8_t>(SectionType::kLlmMetadataProto));
  EXPECT_EQ(r.sections()[1].type, static_cast<uint8_t>(SectionType::kHfTokenizerZlib));
  EXPECT_EQ(r.sections()[2].content, kContentHfConfigJson);
  EXPECT_EQ(r.sections()[3].content, kContentWeights);

  ASSERT_NE(r.metadata(), nullptr);
  EXPECT_EQ(r.metadata()->SerializeAsString(), testing::SampleMetadata().SerializeAsString());
  EXPECT_TRUE(r.metadata()->llm_model_type().has_qwen3());
  ASSERT_TRUE(r.hf_config_json().has_value());
  EXPECT_EQ(*r.hf_config_json(), testing::kConfigJson);
  EXPECT_EQ(r.tokenizer_kind(), TokenizerKind::kHfTokenizerJson);
  auto tok = r.TokenizerBytes();
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ(*tok, testing::kTokenizerJson);

  auto source = LitertlmWeightSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<std::string> names = (*source)->TensorNames();
  ASSERT_EQ(names.size(), tensors.size());
  const uint8_t* file_base = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const OwnedTensor& want = tensors[i];
    EXPECT_EQ(names[i], want.name);
    ASSERT_TRUE((*source)->HasTensor(want.name));
    auto got = (*source)->Tensor(want.name);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->dtype, want.dtype) << want.name;
    EXPECT_EQ(got->shape, want.shape) << want.name;
    ASSERT_EQ(got->data.size(), want.data.size()) << want.name;
    EXPECT_EQ(std::memcmp(got->data.data(), want.data.data(), want.data.size()), 0) << want.name;
    ASSERT_EQ(got->scales.size(), want.scales.size()) << want.name;
    for (size_t k = 0; k < want.scales.size(); ++k) EXPECT_EQ(got->scales[k], want.scales[k]);
    // Zero-copy and 64-byte aligned in memory (the mapping is page aligned).
    EXPECT_EQ(reinterpret_cast<uintptr_t>(got->data.data()) % 64, 0u) << want.name;
    if (!want.scales.empty()) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(got->scales.data()) % 64, 0u) << want.name;
    }
    if (file_base == nullptr) file_base = got->data.data();
  }
  auto missing = (*source)->Tensor("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("'nope'"));
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr(path));
}

TEST(LitertlmRoundTrip, SentencePieceTokenizerAndStreamedSection) {
  const std::string path = TempPath("sp.litertlm");
  std::vector<uint8_t> sp_model(100000);
  std::iota(sp_model.begin(), sp_model.end(), 0);
  std::vector<uint8_t> blob(3 * 16384 + 5);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<uint8_t>(i * 31);
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    LitertlmWriter& w = **writer;
    ASSERT_TRUE(w.AddLlmMetadata(testing::SampleMetadata()).ok());
    ASSERT_TRUE(w.AddSentencePieceTokenizer(sp_model).ok());
    ASSERT_TRUE(w.BeginSection(SectionType::kGenericBinaryData, {{"note", std::string("x")}}).ok());
    for (size_t off = 0; off < blob.size(); off += 1000) {
      size_t n = std::min<size_t>(1000, blob.size() - off);
      ASSERT_TRUE(w.AppendSectionData({blob.data() + off, n}).ok());
    }
    ASSERT_TRUE(w.EndSection().ok());
    ASSERT_TRUE(w.Finish().ok());
  }
  ReaderOptions options;
  options.require_model_sections = false;
  auto reader = LitertlmReader::Open(path, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->tokenizer_kind(), TokenizerKind::kSentencePiece);
  auto tok = (*reader)->TokenizerBytes();
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ(*tok, std::string(sp_model.begin(), sp_model.end()));
  const SectionInfo& generic = (*reader)->sections()[2];
  auto bytes = (*reader)->SectionBytes(generic);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), blob);
  EXPECT_EQ(std::get<std::string>(generic.items[0].value), "x");
  EXPECT_EQ((*reader)->weights(), nullptr);
  // The same file fails the model requirements, naming what is missing.
  auto strict = LitertlmReader::Open(path);
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(strict.status().message(), ::testing::HasSubstr("missing required section(s)"));
  EXPECT_THAT(strict.status().message(), ::testing::HasSubstr("config.json"));
  EXPECT_THAT(strict.status().message(), ::testing::HasSubstr("weights"));
}

TEST(LitertlmRoundTrip, FileLayoutMatchesDocumentedPreamble) {
  const std::string path = TempPath("layout.litertlm");
  ASSERT_TRUE(testing::WriteSampleFile(path).ok());
  std::vector<uint8_t> bytes = ReadAll(path);
  ASSERT_GT(bytes.size(), 16384u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "LITERTLM");
  EXPECT_EQ(bytes[8], 1);   // major
  EXPECT_EQ(bytes[12], 6);  // minor
  EXPECT_EQ(bytes[16], 0);  // patch
  uint64_t header_end = 0;
  std::memcpy(&header_end, bytes.data() + 24, 8);
  EXPECT_GT(header_end, 32u);
  EXPECT_LE(header_end, 16384u);
  // The first section (metadata) starts right at 16 KiB.
  EXPECT_EQ(bytes[16384], 0x0A);  // field 1 (start_token), length-delimited
}

TEST(LitertlmWriter, RejectsBadTensorsAndMisuse) {
  const std::string path = TempPath("bad.litertlm");
  auto writer = LitertlmWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  LitertlmWriter& w = **writer;
  OwnedTensor t = MakeTensor("a", DType::kF32, {2, 2});
  Status before = w.AddTensor("a", t.View());
  EXPECT_EQ(before.code(), StatusCode::kFailedPrecondition);
}

TEST(LitertlmWriter, RejectsWrongSizesAndDuplicates) {
  const std::string path = TempPath("bad2.litertlm");
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->BeginWeights().ok());
    OwnedTensor t = MakeTensor("a", DType::kF32, {2, 2});
    t.data.pop_back();
    Status s = (*writer)->AddTensor("a", t.View());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), ::testing::HasSubstr("tensor 'a'"));
    EXPECT_THAT(s.message(), ::testing::HasSubstr("15 data bytes"));
    // Sticky: the writer refuses to go on.
    EXPECT_FALSE((*writer)->Finish().ok());
  }
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE((*writer)->BeginWeights().ok());
    OwnedTensor q = MakeTensor("q", DType::kI8, {2, 4});
    q.scales.pop_back();
    Status s = (*writer)->AddTensor("q", q.View());
    EXPECT_THAT(s.message(), ::testing::HasSubstr("1 scales, dtype and shape need 2"));
  }
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE((*writer)->BeginWeights().ok());
    OwnedTensor a = MakeTensor("a", DType::kF32, {2});
    ASSERT_TRUE((*writer)->AddTensor("a", a.View()).ok());
    Status s = (*writer)->AddTensor("a", a.View());
    EXPECT_THAT(s.message(), ::testing::HasSubstr("added twice"));
  }
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE((*writer)->BeginWeights().ok());
    OwnedTensor a = MakeTensor("odd", DType::kF32, {2});
    a.dtype = DType::kI4Block32;
    a.shape = {2, 48};
    Status s = (*writer)->AddTensor("odd", a.View());
    EXPECT_THAT(s.message(), ::testing::HasSubstr("multiple of the block size 32"));
  }
  EXPECT_FALSE(std::ifstream(path).good()) << "no file may appear after failed writes";
}

}  // namespace
}  // namespace litertlm::format
