#include "format/gguf_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "unit/format/gguf_test_util.h"

namespace litertlm {
namespace {

using ::testing::HasSubstr;
using testing::GgufBuilder;
using testing::kArr;
using testing::kF32;
using testing::kI32;
using testing::kStr;
using testing::kU32;
using testing::kU8;

std::string FixturePath() {
  return testing::GoldenPath("gguf/dequant_fixtures.gguf");
}

// Parses `bytes` and returns the error (the test fails if parsing succeeds).
Status ParseError(const std::vector<uint8_t>& bytes) {
  auto r = GgufFile::Parse(bytes, "bad.gguf");
  EXPECT_FALSE(r.ok()) << "malformed file was accepted";
  return r.ok() ? Status() : r.status();
}

GgufBuilder OneTensor() {
  GgufBuilder b;
  b.AddString("general.architecture", "test");
  b.AddF32Tensor("t", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  return b;
}

TEST(GgufReaderTest, ReadsFixtureMetadataOfEveryType) {
  auto f = GgufFile::Open(FixturePath());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const GgufFile& g = **f;
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 32u);
  EXPECT_EQ(g.data_offset() % 32, 0u);
  EXPECT_EQ(*g.GetString("general.architecture"), "test");
  EXPECT_EQ(*g.GetInt("test.u8"), 200);
  EXPECT_EQ(*g.GetInt("test.i8"), -100);
  EXPECT_EQ(*g.GetInt("test.u16"), 60000);
  EXPECT_EQ(*g.GetInt("test.i16"), -30000);
  EXPECT_EQ(*g.GetInt("test.u32"), 4000000000LL);
  EXPECT_EQ(*g.GetInt("test.i32"), -2000000000LL);
  EXPECT_EQ(*g.GetUint("test.u64"), 18000000000000000000ULL);
  EXPECT_EQ(*g.GetInt("test.i64"), -9000000000000000000LL);
  EXPECT_EQ(*g.GetFloat("test.f32"), 0.15625);
  EXPECT_EQ(*g.GetFloat("test.f64"), -2.5e-300);
  EXPECT_TRUE(*g.GetBool("test.bool"));
  EXPECT_EQ(*g.GetString("test.string"), "h\xc3\xa9llo w\xc3\xb6rld");
  EXPECT_EQ(*g.GetStringArray("test.array.string"),
            (std::vector<std::string>{"a", "", "\xe2\x96\x81the", "<0x0A>"}));
  EXPECT_EQ(*g.GetFloatArray("test.array.f32"), (std::vector<float>{1.5f, -2.0f, 0.1f}));
  EXPECT_EQ(*g.GetIntArray("test.array.i32"), (std::vector<int64_t>{1, -2, 2147483647}));
  EXPECT_EQ(*g.GetIntArray("test.array.u8"), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(*g.GetBoolArray("test.array.bool"), (std::vector<bool>{true, false, true}));
  const GgufKeyValue* kv = g.FindKey("test.array.string");
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(kv->type, GgufValueType::kArray);
  EXPECT_EQ(kv->element_type, GgufValueType::kString);
  EXPECT_EQ(kv->count, 4u);
}

TEST(GgufReaderTest, ReadsFixtureTensorInfos) {
  auto f = GgufFile::Open(FixturePath());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->tensors().size(), 26u);
  const GgufTensorInfo* t = (*f)->FindTensor("q.Q4_K");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type->type, GgmlType::kQ4_K);
  EXPECT_EQ(t->ne, (std::vector<int64_t>{512, 3}));
  EXPECT_EQ(t->RowMajorShape(), (std::vector<int64_t>{3, 512}));
  EXPECT_EQ(t->n_elements, 1536);
  EXPECT_EQ(t->n_bytes, 6 * 144);
  EXPECT_EQ((*f)->TensorData(*t).size(), 864u);
  EXPECT_EQ((*f)->FindTensor("nope"), nullptr);
}

TEST(GgufReaderTest, GettersNameKeyAndTypes) {
  auto f = GgufFile::Open(FixturePath());
  ASSERT_TRUE(f.ok());
  const GgufFile& g = **f;
  Status s = g.GetString("test.u32").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("dequant_fixtures.gguf"));
  EXPECT_THAT(s.message(), HasSubstr("'test.u32' has type uint32, expected string"));
  // An array of u8 must not be read as floats (llama.cpp PR #26690).
  s = g.GetFloatArray("test.array.u8").status();
  EXPECT_THAT(s.message(), HasSubstr("'test.array.u8' has type array of uint8, expected array of "
                                     "float32 or float64"));
  EXPECT_THAT(g.GetIntArray("test.array.string").status().message(),
              HasSubstr("array of string, expected array of integers"));
  EXPECT_THAT(g.GetStringArray("test.string").status().message(),
              HasSubstr("has type string, expected array of string"));
  EXPECT_THAT(g.GetInt("test.u64").status().message(),
              HasSubstr("'test.u64' value 18000000000000000000 does not fit int64"));
  EXPECT_THAT(g.GetUint("test.i8").status().message(), HasSubstr("'test.i8' value -100 is negative"));
  EXPECT_THAT(g.GetFloat("test.u8").status().message(), HasSubstr("expected float32 or float64"));
  EXPECT_THAT(g.GetBool("test.u8").status().message(), HasSubstr("expected bool"));
  s = g.GetInt("no.such.key").status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("no metadata key 'no.such.key'"));
}

TEST(GgufReaderTest, BuilderRoundTripAndEmptyArray) {
  GgufBuilder b = OneTensor();
  b.AddArray<int32_t>("empty", kI32, {});
  b.AddU32("general.alignment", 64);
  b.alignment = 64;
  std::vector<uint8_t> bytes = b.Build();
  auto f = GgufFile::Parse(bytes, "ok.gguf");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->alignment(), 64u);
  EXPECT_EQ((*f)->data_offset() % 64, 0u);
  EXPECT_TRUE((*f)->GetIntArray("empty")->empty());
  const GgufTensorInfo* t = (*f)->FindTensor("t");
  ASSERT_NE(t, nullptr);
  float v[8];
  std::memcpy(v, (*f)->TensorData(*t).data(), 32);
  EXPECT_EQ(v[7], 8.0f);
}

TEST(GgufReaderTest, VersionTwoAccepted) {
  GgufBuilder b = OneTensor();
  b.version = 2;
  std::vector<uint8_t> bytes = b.Build();
  EXPECT_TRUE(GgufFile::Parse(bytes, "v2.gguf").ok());
}

TEST(GgufReaderTest, MissingFileIsNotFound) {
  auto f = GgufFile::Open("/nonexistent/model.gguf");
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(f.status().message(), HasSubstr("/nonexistent/model.gguf"));
}

// ---- malformed files: each rejected with a message naming the file and the item ----

TEST(GgufMalformedTest, EmptyFile) {
  EXPECT_THAT(ParseError({}).message(), HasSubstr("bad.gguf: not a GGUF file (bad magic"));
}

TEST(GgufMalformedTest, BadMagic) {
  GgufBuilder b = OneTensor();
  b.magic = "GGML";
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("bad magic"));
}

TEST(GgufMalformedTest, UnsupportedVersions) {
  GgufBuilder b = OneTensor();
  b.version = 1;
  Status s = ParseError(b.Build());
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("GGUF version 1 is not supported"));
  b.version = 4;
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("unsupported GGUF version 4"));
  b.version = 0x03000000;  // a big-endian v3 file read little-endian
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("big-endian"));
}

TEST(GgufMalformedTest, TruncatedHeader) {
  std::vector<uint8_t> bytes = OneTensor().Build();
  bytes.resize(10);
  EXPECT_THAT(ParseError(bytes).message(), HasSubstr("tensor count at byte 8 runs past the end"));
}

TEST(GgufMalformedTest, CountsPastEndOfFile) {
  GgufBuilder b = OneTensor();
  b.kv_count = uint64_t{1} << 40;
  EXPECT_THAT(ParseError(b.Build()).message(),
              HasSubstr("metadata count 1099511627776 runs past the end of the file"));
  b = OneTensor();
  b.tensor_count = std::numeric_limits<uint64_t>::max();
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("tensor count 18446744073709551615"));
  b = OneTensor();
  b.tensor_count = 2;  // one more than written: the second info reads the data section
  EXPECT_FALSE(GgufFile::Parse(b.Build(), "x").ok());
}

TEST(GgufMalformedTest, StringLengthPastEnd) {
  GgufBuilder b;
  testing::ByteWriter w;
  w.Put<uint64_t>(uint64_t{1} << 62);  // string value length
  b.AddRaw("general.name", kStr, w.bytes);
  EXPECT_THAT(ParseError(b.Build()).message(),
              HasSubstr("metadata key 'general.name': length 4611686018427387904"));
}

TEST(GgufMalformedTest, KeyLengthPastEnd) {
  GgufBuilder b;
  b.kv_count = 1;
  std::vector<uint8_t> bytes = b.Build();
  bytes.resize(24);  // header only
  const uint64_t len = 1000;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&len);
  bytes.insert(bytes.end(), p, p + 8);
  bytes.resize(bytes.size() + 20, 'k');
  EXPECT_THAT(ParseError(bytes).message(),
              HasSubstr("metadata entry 0 key: length 1000 at byte 24 runs past the end"));
}

TEST(GgufMalformedTest, UnknownValueType) {
  GgufBuilder b;
  b.AddRaw("k", 13, {0, 0, 0, 0});
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("metadata key 'k': unknown value type 13"));
}

TEST(GgufMalformedTest, ArrayCountsPastEnd) {
  GgufBuilder b;
  testing::ByteWriter w;
  w.Put<uint32_t>(kF32);
  w.Put<uint64_t>(uint64_t{1} << 62);  // count * 4 would overflow a naive size check
  b.AddRaw("scores", kArr, w.bytes);
  EXPECT_THAT(ParseError(b.Build()).message(),
              HasSubstr("metadata key 'scores': array of 4611686018427387904 float32 runs past"));
  GgufBuilder b2;
  testing::ByteWriter w2;
  w2.Put<uint32_t>(kStr);
  w2.Put<uint64_t>(1000000);
  b2.AddRaw("tokens", kArr, w2.bytes);
  EXPECT_THAT(ParseError(b2.Build()).message(),
              HasSubstr("'tokens': array of 1000000 strings runs past the end"));
  GgufBuilder b3;  // count fits, but one element's length does not
  testing::ByteWriter w3;
  w3.Put<uint32_t>(kStr);
  w3.Put<uint64_t>(2);
  w3.PutString("ok");
  w3.Put<uint64_t>(999);
  b3.AddRaw("tokens", kArr, w3.bytes);
  EXPECT_THAT(ParseError(b3.Build()).message(), HasSubstr("'tokens'[1]: length 999"));
}

TEST(GgufMalformedTest, NestedArrayUnsupported) {
  GgufBuilder b;
  testing::ByteWriter w;
  w.Put<uint32_t>(kArr);
  w.Put<uint64_t>(0);
  b.AddRaw("nested", kArr, w.bytes);
  Status s = ParseError(b.Build());
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("'nested': nested arrays are not supported"));
}

TEST(GgufMalformedTest, DuplicateKeyAndTensor) {
  GgufBuilder b = OneTensor();
  b.AddU32("dup", 1);
  b.AddU32("dup", 2);
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("duplicate metadata key 'dup'"));
  GgufBuilder c = OneTensor();
  c.AddF32Tensor("t", {8}, std::vector<float>(8, 0.0f));
  EXPECT_THAT(ParseError(c.Build()).message(), HasSubstr("duplicate tensor name 't'"));
}

TEST(GgufMalformedTest, BadAlignment) {
  GgufBuilder b = OneTensor();
  b.AddU32("general.alignment", 48);
  EXPECT_THAT(ParseError(b.Build()).message(),
              HasSubstr("'general.alignment' is 48, expected a power of two"));
  GgufBuilder c = OneTensor();
  c.AddF32("general.alignment", 32.0f);
  EXPECT_THAT(ParseError(c.Build()).message(),
              HasSubstr("'general.alignment' has type float32, expected uint32"));
}

TEST(GgufMalformedTest, BadTensorInfos) {
  GgufBuilder b;
  b.AddTensor({"bad_type", {32}, 5, std::vector<uint8_t>(128), std::nullopt});
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("tensor 'bad_type': unknown tensor type 5"));
  GgufBuilder c;
  c.AddTensor({"five_d", {1, 1, 1, 1, 1}, 0, std::vector<uint8_t>(4), std::nullopt});
  EXPECT_THAT(ParseError(c.Build()).message(), HasSubstr("tensor 'five_d': 5 dimensions"));
  GgufBuilder d;
  d.AddTensor({"zero", {4, 0}, 0, {}, std::nullopt});
  EXPECT_THAT(ParseError(d.Build()).message(), HasSubstr("tensor 'zero': dimension 1 is 0"));
  GgufBuilder e;
  e.AddTensor({"blocky", {100}, 12 /*Q4_K*/, std::vector<uint8_t>(144), std::nullopt});
  EXPECT_THAT(ParseError(e.Build()).message(),
              HasSubstr("'blocky': innermost dimension 100 is not a multiple of the Q4_K block "
                        "size 256"));
}

TEST(GgufMalformedTest, OverflowingSizes) {
  GgufBuilder b;  // 2^42+1 style: the product wraps in 64 bits (llama.cpp PR #18674)
  b.AddTensor({"wrap", {uint64_t{1} << 32, uint64_t{1} << 32}, 0, {}, std::nullopt});
  EXPECT_THAT(ParseError(b.Build()).message(), HasSubstr("tensor 'wrap': element count overflows"));
  GgufBuilder c;  // elements fit in int64, bytes (x4) do not
  c.AddTensor({"bytes", {uint64_t{1} << 62}, 0, {}, std::nullopt});
  EXPECT_THAT(ParseError(c.Build()).message(), HasSubstr("tensor 'bytes': byte size overflows"));
  GgufBuilder d;
  d.AddTensor({"huge_dim", {uint64_t{1} << 63}, 0, {}, std::nullopt});
  EXPECT_THAT(ParseError(d.Build()).message(), HasSubstr("'huge_dim': dimension 0 is"));
}

TEST(GgufMalformedTest, TensorDataOutOfBounds) {
  GgufBuilder b;
  b.AddF32Tensor("t", {8}, std::vector<float>(8, 1.0f));
  std::vector<uint8_t> bytes = b.Build();
  bytes.resize(bytes.size() - 4);  // truncated file
  EXPECT_THAT(ParseError(bytes).message(),
              HasSubstr("tensor 't' data [0, +32) lies outside the data section"));
  GgufBuilder c;
  c.AddTensor({"far", {8}, 0, std::vector<uint8_t>(32), uint64_t{1} << 40});
  EXPECT_THAT(ParseError(c.Build()).message(), HasSubstr("tensor 'far' data [1099511627776, +32)"));
  GgufBuilder d;  // offset + size wraps around 2^64
  d.AddTensor({"wrap", {8}, 0, std::vector<uint8_t>(32), ~uint64_t{31}});
  EXPECT_THAT(ParseError(d.Build()).message(), HasSubstr("tensor 'wrap' data"));
}

TEST(GgufMalformedTest, MisalignedOffset) {
  GgufBuilder b;
  b.AddTensor({"odd", {8}, 0, std::vector<uint8_t>(32), uint64_t{4}});
  EXPECT_THAT(ParseError(b.Build()).message(),
              HasSubstr("tensor 'odd': data offset 4 is not a multiple of the alignment 32"));
}

TEST(GgufMalformedTest, DataSectionPastEnd) {
  GgufBuilder b;
  b.AddF32Tensor("t", {8}, std::vector<float>(8, 1.0f));
  std::vector<uint8_t> bytes = b.Build();
  bytes.resize(bytes.size() - 32 - 4);  // drop the padding and data
  Status s = ParseError(bytes);
  EXPECT_THAT(s.message(), HasSubstr("bad.gguf: tensor data section"));
}

TEST(GgufMalformedTest, TensorNamePastEnd) {
  GgufBuilder b;
  b.tensor_count = 1;
  std::vector<uint8_t> bytes = b.Build();
  bytes.resize(24);
  const uint64_t len = 77;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&len);
  bytes.insert(bytes.end(), p, p + 8);
  bytes.resize(bytes.size() + 40, 'n');
  EXPECT_THAT(ParseError(bytes).message(), HasSubstr("tensor info 0 name: length 77"));
}

// Every prefix of a valid file and random single-byte corruptions must fail cleanly or parse;
// never crash or read out of bounds (run under ASan in the sanitizer CI job).
TEST(GgufMalformedTest, EveryPrefixAndRandomCorruptionIsSafe) {
  auto f = GgufFile::Open(FixturePath());
  ASSERT_TRUE(f.ok());
  std::vector<uint8_t> good;
  {
    std::ifstream in(FixturePath(), std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t header_end = (*f)->data_offset();
  for (size_t n = 0; n < good.size(); n += (n < header_end ? 1 : 97)) {
    std::vector<uint8_t> prefix(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(GgufFile::Parse(prefix, "prefix").ok()) << n;
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> bad = good;
    bad[rng() % header_end] = static_cast<uint8_t>(rng());  // corrupt the header / infos
    auto r = GgufFile::Parse(bad, "flip");
    if (r.ok()) {
      for (const GgufTensorInfo& t : (*r)->tensors()) {
        EXPECT_LE((*r)->data_offset() + t.offset + t.n_bytes, bad.size());
      }
    }
  }
}

}  // namespace
}  // namespace litertlm
