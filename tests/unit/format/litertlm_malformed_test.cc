// The reader rejects every kind of malformed .litertlm file with a clear message that names the
// file. Corrupt files are produced here: by patching a valid file, by hand-building a header
// FlatBuffer, or by writing a weights section whose tensor table lies.
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "format/litertlm_header_generated.h"
#include "format/litertlm_header_v1_0_generated.h"
#include "format/litertlm_reader.h"
#include "format/litertlm_writer.h"
#include "format/weights_layout.h"
#include "format/weights_table_generated.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

using ::litertlm::format::testing::ReadAll;
using ::litertlm::format::testing::TempPath;
using ::litertlm::format::testing::WriteAll;
using ::testing::HasSubstr;
namespace fbs = ::litert::lm::schema;

void PutU64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
void PutU32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

// Opens `bytes` written to a file; expects failure with `code` and all `parts` in the message.
void ExpectRejected(const std::string& path, const std::vector<uint8_t>& bytes, StatusCode code,
                    const std::vector<std::string>& parts, ReaderOptions options = {}) {
  WriteAll(path, bytes);
  auto reader = LitertlmReader::Open(path, options);
  ASSERT_FALSE(reader.ok()) << "accepted a malformed file: " << path;
  EXPECT_EQ(reader.status().code(), code) << reader.status().ToString();
  EXPECT_THAT(reader.status().message(), HasSubstr(path));
  for (const std::string& p : parts) EXPECT_THAT(reader.status().message(), HasSubstr(p));
}

class ValidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::WriteSampleFile(TempPath("good.litertlm")).ok());
    good_ = ReadAll(TempPath("good.litertlm"));
    ASSERT_TRUE(LitertlmReader::Open(TempPath("good.litertlm")).ok());
    bad_path_ = TempPath("bad.litertlm");
  }
  std::vector<uint8_t> good_;
  std::string bad_path_;
};

TEST_F(ValidFileTest, BadMagic) {
  good_[3] = 'X';
  ExpectRejected(bad_path_, good_, StatusCode::kInvalidArgument, {"bad magic"});
}

TEST_F(ValidFileTest, EmptyAndTinyFiles) {
  ExpectRejected(bad_path_, {}, StatusCode::kDataLoss, {"too short"});
  ExpectRejected(bad_path_, std::vector<uint8_t>(good_.begin(), good_.begin() + 20),
                 StatusCode::kDataLoss, {"too short"});
}

TEST_F(ValidFileTest, UnsupportedMajorVersion) {
  PutU32(good_, 8, 2);
  ExpectRejected(bad_path_, good_, StatusCode::kUnimplemented,
                 {"unsupported .litertlm version 2.6.0"});
}

TEST_F(ValidFileTest, HeaderEndPastEof) {
  PutU64(good_, 24, good_.size() + 1);
  ExpectRejected(bad_path_, good_, StatusCode::kDataLoss, {"header end offset"});
  PutU64(good_, 24, 8);
  ExpectRejected(bad_path_, good_, StatusCode::kDataLoss, {"header end offset 8"});
}

TEST_F(ValidFileTest, TruncatedFileHasSectionsOutside) {
  good_.resize(16384 * 2 + 10);
  ExpectRejected(bad_path_, good_, StatusCode::kDataLoss, {"lies outside the", "-byte file"});
}

TEST_F(ValidFileTest, CorruptHeaderFlatBuffer) {
  PutU32(good_, 32, 0x7FFFFFF0);  // root offset far past the header
  ExpectRejected(bad_path_, good_, StatusCode::kDataLoss, {"fails verification"});
}

TEST_F(ValidFileTest, GarbageHeaderBytes) {
  uint64_t end = 0;
  std::memcpy(&end, good_.data() + 24, 8);
  for (uint64_t i = 36; i < end; ++i) good_[i] ^= 0x5A;
  ExpectRejected(bad_path_, good_, StatusCode::kDataLoss, {"fails verification"});
}

// ---- Hand-built headers ----
struct RawSection {
  uint64_t begin, end;
  fbs::AnySectionDataType type;
  std::string content;
};

std::vector<uint8_t> BuildFile(const std::vector<RawSection>& sections, size_t file_size,
                               uint32_t minor = 6) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fbs::SectionObject>> objects;
  for (const RawSection& s : sections) {
    std::vector<flatbuffers::Offset<fbs::KeyValuePair>> items;
    if (!s.content.empty()) {
      auto v = fbs::CreateStringValue(fbb, fbb.CreateString(s.content));
      items.push_back(fbs::CreateKeyValuePair(fbb, fbb.CreateString("content"),
                                              fbs::VData_StringValue, v.Union()));
    }
    objects.push_back(
        fbs::CreateSectionObject(fbb, fbb.CreateVector(items), s.begin, s.end, s.type));
  }
  auto sm = fbs::CreateSectionMetadata(fbb, fbb.CreateVector(objects));
  auto sys = fbs::CreateSystemMetadata(
      fbb, fbb.CreateVector(std::vector<flatbuffers::Offset<fbs::KeyValuePair>>{}));
  fbb.Finish(fbs::CreateLiteRTLMMetaData(fbb, sys, sm));
  std::vector<uint8_t> out(std::max<size_t>(file_size, 32 + fbb.GetSize()), 0);
  std::memcpy(out.data(), "LITERTLM", 8);
  PutU32(out, 8, 1);
  PutU32(out, 12, minor);
  PutU64(out, 24, 32 + fbb.GetSize());
  std::memcpy(out.data() + 32, fbb.GetBufferPointer(), fbb.GetSize());
  return out;
}

TEST(LitertlmMalformed, HandBuiltValidFileIsAccepted) {
  auto bytes = BuildFile({{16384, 16390, fbs::AnySectionDataType_GenericBinaryData, ""}}, 16390);
  WriteAll(TempPath("ok.litertlm"), bytes);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  auto r = LitertlmReader::Open(TempPath("ok.litertlm"), lenient);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->sections().size(), 1u);
}

TEST(LitertlmMalformed, SectionEndPastEof) {
  auto bytes = BuildFile({{16384, 20000, fbs::AnySectionDataType_GenericBinaryData, ""}}, 16400);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"section 0 (GenericBinaryData, [16384, 20000))", "outside the 16400-byte file"},
                 lenient);
}

TEST(LitertlmMalformed, SectionBeginAfterEnd) {
  auto bytes = BuildFile({{16390, 16384, fbs::AnySectionDataType_SP_Tokenizer, ""}}, 16400);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss, {"SP_Tokenizer", "outside"},
                 lenient);
}

TEST(LitertlmMalformed, HugeOffsetsDoNotOverflow) {
  auto bytes = BuildFile({{~uint64_t{0} - 4, ~uint64_t{0},
                           fbs::AnySectionDataType_GenericBinaryData, ""}}, 16400);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss, {"outside"}, lenient);
}

TEST(LitertlmMalformed, OverlappingSections) {
  auto bytes = BuildFile({{16384, 16500, fbs::AnySectionDataType_GenericBinaryData, ""},
                          {20000, 20010, fbs::AnySectionDataType_GenericBinaryData, ""},
                          {16400, 16410, fbs::AnySectionDataType_SP_Tokenizer, ""}},
                         20010);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"section 2 (SP_Tokenizer, [16400, 16410)) overlaps section 0"}, lenient);
}

TEST(LitertlmMalformed, SectionOverlapsHeader) {
  auto bytes = BuildFile({{40, 50, fbs::AnySectionDataType_GenericBinaryData, ""}}, 16400);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss, {"overlaps the header"},
                 lenient);
}

TEST(LitertlmMalformed, DuplicateSections) {
  auto bytes = BuildFile({{16384, 16384, fbs::AnySectionDataType_LlmMetadataProto, ""},
                          {16384, 16384, fbs::AnySectionDataType_LlmMetadataProto, ""}},
                         16400);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"more than one LlmMetadataProto section"}, lenient);
  bytes = BuildFile({{16384, 16394, fbs::AnySectionDataType_SP_Tokenizer, ""},
                     {16394, 16404, fbs::AnySectionDataType_HF_Tokenizer_Zlib, ""}},
                    16404);
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"more than one tokenizer section"}, lenient);
}

TEST(LitertlmMalformed, MissingRequiredSections) {
  auto bytes = BuildFile({{16384, 16384, fbs::AnySectionDataType_LlmMetadataProto, ""}}, 16400);
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"missing required section(s): tokenizer", "config.json", "weights"});
}

TEST(LitertlmMalformed, InvalidMetadataProtobuf) {
  auto bytes = BuildFile({{16384, 16388, fbs::AnySectionDataType_LlmMetadataProto, ""}}, 16388);
  std::memset(bytes.data() + 16384, 0xFF, 4);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"not a valid litert.lm.proto.LlmMetadata"}, lenient);
}

TEST(LitertlmMalformed, InvalidUtf8InMetadataIsRejectedSilently) {
  // jinja_prompt_template (field 7, length-delimited) holding the invalid UTF-8 byte 0xFF.
  auto bytes = BuildFile({{16384, 16387, fbs::AnySectionDataType_LlmMetadataProto, ""}}, 16387);
  bytes[16384] = 0x3A;
  bytes[16385] = 0x01;
  bytes[16386] = 0xFF;
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ::testing::internal::CaptureStderr();
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"not a valid litert.lm.proto.LlmMetadata"}, lenient);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "the library must not log";
}

TEST(LitertlmMalformed, HfTokenizerClaimsTooMuchOrIsCorrupt) {
  auto bytes = BuildFile({{16384, 16400, fbs::AnySectionDataType_HF_Tokenizer_Zlib, ""}}, 16400);
  PutU64(bytes, 16384, uint64_t{1} << 40);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss, {"limit 1 GiB"}, lenient);
  PutU64(bytes, 16384, 8 * 1032 + 65);  // more than 8 zlib bytes can inflate to
  ExpectRejected(TempPath("bad.litertlm"), bytes, StatusCode::kDataLoss,
                 {"more than a 8-byte zlib stream can hold"}, lenient);
  PutU64(bytes, 16384, 100);  // plausible size, garbage stream
  WriteAll(TempPath("bad.litertlm"), bytes);
  auto r = LitertlmReader::Open(TempPath("bad.litertlm"), lenient);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto tok = (*r)->TokenizerBytes();
  EXPECT_EQ(tok.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(tok.status().message(), HasSubstr("does not inflate"));
}

TEST(LitertlmMalformed, LegacyStructValuesV1_1AreDecoded) {
  namespace v10 = ::litert::lm::schema::v1_0;
  flatbuffers::FlatBufferBuilder fbb;
  v10::UInt32 u32(7);
  auto kv = v10::CreateKeyValuePair(fbb, fbb.CreateString("k"), v10::VData_UInt32,
                                    fbb.CreateStruct(u32).Union());
  auto sys = v10::CreateSystemMetadata(fbb, fbb.CreateVector(std::vector{kv}));
  auto sm = v10::CreateSectionMetadata(
      fbb, fbb.CreateVector(std::vector<flatbuffers::Offset<v10::SectionObject>>{}));
  fbb.Finish(v10::CreateLiteRTLMMetaData(fbb, sys, sm));
  std::vector<uint8_t> out(32 + fbb.GetSize(), 0);
  std::memcpy(out.data(), "LITERTLM", 8);
  PutU32(out, 8, 1);
  PutU32(out, 12, 1);
  PutU64(out, 24, out.size());
  std::memcpy(out.data() + 32, fbb.GetBufferPointer(), fbb.GetSize());
  WriteAll(TempPath("v11.litertlm"), out);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  auto r = LitertlmReader::Open(TempPath("v11.litertlm"), lenient);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)->system_metadata().size(), 1u);
  EXPECT_EQ(std::get<uint32_t>((*r)->system_metadata()[0].value), 7u);
}

// ---- Weights sections whose tensor table lies ----
struct RawTensor {
  std::string name;
  uint8_t dtype;
  std::vector<int64_t> shape;
  uint64_t data_offset, data_size, scales_offset = 0, scales_size = 0;
  uint8_t layout = 0;
  uint64_t row_sums_offset = 0, row_sums_size = 0;
};

// A complete file whose weights section has `data_bytes` of tensor data and the given tensor
// table (FlatBuffer bytes).
std::vector<uint8_t> FileWithTable(const std::string& path, std::span<const uint8_t> table,
                                   uint64_t data_bytes = 256, uint32_t version = 1,
                                   bool bad_magic = false) {
  WeightsHeader header;
  header.format_version = version;
  header.table_offset = kWeightsHeaderSize + data_bytes;
  header.table_size = table.size();
  std::vector<uint8_t> section(header.table_offset + header.table_size, 0);
  EncodeWeightsHeader(header, section.data());
  if (bad_magic) section[0] = 'X';
  std::memcpy(section.data() + header.table_offset, table.data(), table.size());

  auto writer = LitertlmWriter::Create(path);
  EXPECT_TRUE(writer.ok());
  LitertlmWriter& w = **writer;
  EXPECT_TRUE(w.AddLlmMetadata(testing::SampleMetadata()).ok());
  EXPECT_TRUE(w.AddHfTokenizerJson(testing::kTokenizerJson).ok());
  EXPECT_TRUE(w.AddHfConfigJson(testing::kConfigJson).ok());
  EXPECT_TRUE(w.AddSection(SectionType::kGenericBinaryData,
                           {{std::string(kContentKey), std::string(kContentWeights)},
                            {std::string(kWeightsFormatVersionKey), uint32_t{1}}},
                           section)
                  .ok());
  EXPECT_TRUE(w.Finish().ok());
  return ReadAll(path);
}

// A complete file whose weights section has `data_bytes` of tensor data and the given table.
std::vector<uint8_t> FileWithWeights(const std::string& path, const std::vector<RawTensor>& tensors,
                                     uint64_t data_bytes = 256, uint32_t version = 1,
                                     bool bad_magic = false) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<::litertlm::weights::TensorEntry>> entries;
  for (const RawTensor& t : tensors) {
    entries.push_back(::litertlm::weights::CreateTensorEntry(
        fbb, fbb.CreateString(t.name), t.dtype, fbb.CreateVector(t.shape), t.data_offset,
        t.data_size, t.scales_offset, t.scales_size, t.layout, t.row_sums_offset,
        t.row_sums_size));
  }
  fbb.Finish(::litertlm::weights::CreateWeightsTable(fbb, fbb.CreateVector(entries)));
  return FileWithTable(path, std::span<const uint8_t>(fbb.GetBufferPointer(), fbb.GetSize()),
                       data_bytes, version, bad_magic);
}

// A table with one f32 tensor whose shape vector starts 4 bytes off an 8-byte boundary (as a
// writer that aligns int64 vectors to 4 only would place it): the elements are written as
// 32-bit halves so the builder does not realign them. Empty when no padding gives that offset.
std::vector<uint8_t> TableWithMisalignedShape(const std::vector<int64_t>& shape, uint64_t data_size) {
  for (int pad = 0; pad < 2; ++pad) {
    flatbuffers::FlatBufferBuilder fbb;
    const auto name = fbb.CreateString("s");
    if (pad != 0) fbb.PushElement<uint32_t>(0);
    fbb.StartVector(shape.size() * 2, sizeof(uint32_t));
    for (auto it = shape.rbegin(); it != shape.rend(); ++it) {  // built back to front
      const uint64_t v = static_cast<uint64_t>(*it);
      fbb.PushElement<uint32_t>(static_cast<uint32_t>(v >> 32));
      fbb.PushElement<uint32_t>(static_cast<uint32_t>(v));
    }
    const flatbuffers::Offset<flatbuffers::Vector<int64_t>> dims(fbb.EndVector(shape.size()));
    const auto entry = ::litertlm::weights::CreateTensorEntry(fbb, name, 0, dims, 64, data_size);
    fbb.Finish(::litertlm::weights::CreateWeightsTable(fbb, fbb.CreateVector(&entry, 1)));
    const uint8_t* base = fbb.GetBufferPointer();
    const auto* table = ::litertlm::weights::GetWeightsTable(base);
    const auto* data = reinterpret_cast<const uint8_t*>(table->tensors()->Get(0)->shape()->data());
    if ((data - base) % 8 != 0) return std::vector<uint8_t>(base, base + fbb.GetSize());
  }
  return {};
}

void ExpectWeightsRejected(const std::vector<RawTensor>& tensors,
                           const std::vector<std::string>& parts, uint64_t data_bytes = 256,
                           uint32_t version = 1, bool bad_magic = false,
                           StatusCode code = StatusCode::kDataLoss) {
  const std::string path = TempPath("w.litertlm");
  std::vector<uint8_t> bytes = FileWithWeights(path, tensors, data_bytes, version, bad_magic);
  ExpectRejected(path, bytes, code, parts);
}

TEST(LitertlmMalformedWeights, ValidTableIsAccepted) {
  const std::string path = TempPath("w.litertlm");
  FileWithWeights(path, {{"a", 0, {4}, 64, 16}, {"q", 3, {2, 8}, 128, 16, 192, 8}});
  auto r = LitertlmReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->weights()->size(), 2u);
}

TEST(LitertlmMalformedWeights, DataOutOfBounds) {
  ExpectWeightsRejected({{"a", 0, {64}, 128, 256}},
                        {"tensor 'a'", "data [128, +256) is outside the tensor data region [64, 320)"});
}

TEST(LitertlmMalformedWeights, DataOverlapsSectionHeader) {
  ExpectWeightsRejected({{"a", 0, {4}, 0, 16}}, {"tensor 'a'", "outside the tensor data region"});
}

TEST(LitertlmMalformedWeights, Misaligned) {
  ExpectWeightsRejected({{"a", 0, {4}, 72, 16}}, {"tensor 'a'", "data offset 72 is not a multiple of 64"});
  ExpectWeightsRejected({{"q", 3, {2, 8}, 64, 16, 100, 8}}, {"scales offset 100"});
}

// int64 shape elements must be 8-byte aligned to be read in place; an empty shape (a scalar)
// reads none, so wherever its length prefix sits it is accepted.
TEST(LitertlmMalformedWeights, ShapeVectorAlignment) {
  const std::string path = TempPath("w.litertlm");
  const std::vector<uint8_t> scalar = TableWithMisalignedShape({}, 4);
  ASSERT_FALSE(scalar.empty());
  FileWithTable(path, scalar);
  auto r = LitertlmReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TensorView* v = (*r)->weights()->Find("s");
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(v->shape.empty());
  EXPECT_EQ(v->data.size(), 4u);

  const std::vector<uint8_t> matrix = TableWithMisalignedShape({2, 3}, 24);
  ASSERT_FALSE(matrix.empty());
  ExpectRejected(path, FileWithTable(path, matrix), StatusCode::kDataLoss,
                 {"tensor 's'", "shape vector is not 8-byte aligned"});
}

TEST(LitertlmMalformedWeights, SizeDisagreesWithDTypeAndShape) {
  ExpectWeightsRejected({{"a", 0, {2, 3}, 64, 20}},
                        {"tensor 'a' (f32, shape", "data=20", "needs data=24"});
  ExpectWeightsRejected({{"q", 3, {2, 8}, 64, 16, 128, 4}}, {"scales=4", "scales=8"});
  ExpectWeightsRejected({{"z", 0, {2, 0}, 64, 0}}, {"every dimension must be >= 1"});
  ExpectWeightsRejected({{"big", 0, {int64_t{1} << 40, int64_t{1} << 40}, 64, 0}},
                        {"more than 2^40 elements"});
}

TEST(LitertlmMalformedWeights, DuplicateNamesAndUnknownDType) {
  ExpectWeightsRejected({{"a", 0, {4}, 64, 16}, {"a", 0, {4}, 128, 16}}, {"tensor 'a' appears twice"});
  ExpectWeightsRejected({{"a", 42, {4}, 64, 16}}, {"unknown dtype number 42"});
  ExpectWeightsRejected({{"", 0, {4}, 64, 16}}, {"tensor with an empty name"});
}

TEST(LitertlmMalformedWeights, OverlappingTensors) {
  ExpectWeightsRejected({{"a", 0, {32}, 64, 128}, {"b", 0, {4}, 128, 16}},
                        {"data of tensor 'b' overlaps data of tensor 'a'"});
}

TEST(LitertlmMalformedWeights, BadHeaderMagicVersionAndTable) {
  ExpectWeightsRejected({}, {"weights section does not start with magic"}, 256, 1, true);
  ExpectWeightsRejected({}, {"unsupported weights format version 9"}, 256, 9, false,
                        StatusCode::kUnimplemented);
  // Table offset pointing past the section.
  const std::string path = TempPath("w.litertlm");
  std::vector<uint8_t> bytes = FileWithWeights(path, {{"a", 0, {4}, 64, 16}});
  auto r = LitertlmReader::Open(path);
  ASSERT_TRUE(r.ok());
  const SectionInfo& ws = (*r)->sections().back();
  PutU64(bytes, ws.begin + 16, 1 << 20);
  ExpectRejected(path, bytes, StatusCode::kDataLoss, {"tensor table", "outside the"});
  // Table bytes corrupted.
  bytes = FileWithWeights(path, {{"a", 0, {4}, 64, 16}});
  uint64_t table_offset = 0;
  std::memcpy(&table_offset, bytes.data() + ws.begin + 16, 8);
  PutU32(bytes, ws.begin + table_offset, 0x7FFFFFF0);
  ExpectRejected(path, bytes, StatusCode::kDataLoss, {"tensor table fails FlatBuffer verification"});
}

// Weights format version 2: packed matrices (layout 1). An int8 [5, 70] matrix packs to 8 rows ×
// 2 chunks × 64 = 1024 data bytes, 8 scales and 8 row sums.
RawTensor PackedI8(uint64_t data_offset = 64) {
  RawTensor t{"p", 3, {5, 70}, data_offset, 1024, data_offset + 1024, 32};
  t.layout = 1;
  t.row_sums_offset = data_offset + 1088;
  t.row_sums_size = 32;
  return t;
}

TEST(LitertlmMalformedWeights, PackedTensorIsAcceptedInVersion2) {
  const std::string path = TempPath("w.litertlm");
  FileWithWeights(path, {PackedI8()}, 1152, 2);
  auto r = LitertlmReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TensorView* v = (*r)->weights()->Find("p");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->layout, TensorLayout::kPacked4x64);
  EXPECT_EQ(v->data.size(), 1024u);
  EXPECT_EQ(v->scales.size(), 8u);
  EXPECT_EQ(v->row_sums.size(), 8u);
}

TEST(LitertlmMalformedWeights, PackedLayoutRules) {
  // A version-1 file cannot hold packed tensors; unknown layout numbers are rejected.
  ExpectWeightsRejected({PackedI8()}, {"tensor 'p'", "unknown layout number 1", "version 1"}, 1152, 1);
  RawTensor bad_layout = PackedI8();
  bad_layout.layout = 2;
  ExpectWeightsRejected({bad_layout}, {"tensor 'p'", "unknown layout number 2"}, 1152, 2);
  // Sizes must be the packed ones (here: the row-major sizes were stored).
  RawTensor row_major_sizes{"p", 3, {5, 70}, 64, 350, 448, 20};
  row_major_sizes.layout = 1;
  ExpectWeightsRejected({row_major_sizes}, {"data=350", "needs data=1024", "row_sums=32"}, 1152, 2);
  // Row sums outside the data region, overlapping, or on an unpacked tensor.
  RawTensor sums_out = PackedI8();
  sums_out.row_sums_offset = 1216;
  ExpectWeightsRejected({sums_out}, {"row_sums [1216, +32) is outside"}, 1152, 2);
  RawTensor sums_overlap = PackedI8();
  sums_overlap.row_sums_offset = 64;
  ExpectWeightsRejected({sums_overlap}, {"overlaps"}, 1152, 2);
  RawTensor stray{"a", 0, {4}, 64, 16};
  stray.row_sums_offset = 128;
  ExpectWeightsRejected({stray}, {"tensor 'a'", "has a row_sums offset"}, 256, 2);
  // Only matrices of packable dtypes; int4 needs K % 128 == 0.
  RawTensor f32{"f", 0, {4, 16}, 64, 256};
  f32.layout = 1;
  ExpectWeightsRejected({f32}, {"tensor 'f'", "can be packed"}, 256, 2);
  RawTensor vec{"v", 3, {16}, 64, 64, 128, 16};
  vec.layout = 1;
  ExpectWeightsRejected({vec}, {"tensor 'v'", "must be a matrix"}, 256, 2);
  RawTensor i4{"i", 4, {4, 96}, 64, 192, 256, 48};
  i4.layout = 1;
  ExpectWeightsRejected({i4}, {"tensor 'i'", "multiple of 128"}, 256, 2);
}

}  // namespace
}  // namespace litertlm::format
