#include "format/gguf_dequant.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "format/gguf_reader.h"
#include "unit/format/gguf_test_util.h"

namespace litertlm {
namespace {

using ::testing::HasSubstr;

std::string FixturePath() {
  return testing::GoldenPath("gguf/dequant_fixtures.gguf");
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

class GgufDequantFixtureTest : public ::testing::TestWithParam<std::string> {};

// The fixture holds q.<TYPE> and expected.<TYPE> = gguf.quants.dequantize(q.<TYPE>) (gguf 0.19.0,
// tests/tools/make_gguf_fixtures.py). Our decoders do the same float32 operations in the same
// order, so equality is bitwise.
TEST_P(GgufDequantFixtureTest, BitwiseEqualToGgufPy) {
  const std::string type = GetParam();
  auto f = GgufFile::Open(FixturePath());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const GgufTensorInfo* q = (*f)->FindTensor("q." + type);
  const GgufTensorInfo* e = (*f)->FindTensor("expected." + type);
  ASSERT_NE(q, nullptr);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(q->type->name, type);
  ASSERT_EQ(e->type->type, GgmlType::kF32);
  ASSERT_EQ(q->ne, e->ne);
  std::vector<float> expected(static_cast<size_t>(e->n_elements));
  std::memcpy(expected.data(), (*f)->TensorData(*e).data(), expected.size() * 4);
  std::vector<float> got(static_cast<size_t>(q->n_elements), -12345.0f);
  ASSERT_TRUE(CanDequantizeGgml(q->type->type));
  Status s = DequantizeGgml(*q->type, (*f)->TensorData(*q), got, q->name);
  ASSERT_TRUE(s.ok()) << s.ToString();
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (Bits(got[i]) != Bits(expected[i]) && ++mismatches <= 5) {
      ADD_FAILURE() << type << " element " << i << ": got " << got[i] << " expected "
                    << expected[i];
    }
  }
  EXPECT_EQ(mismatches, 0);
  // The fixture must exercise the decoder: values are not all zero.
  int nonzero = 0;
  for (float v : got) nonzero += v != 0.0f;
  EXPECT_GT(nonzero, static_cast<int>(got.size()) / 2);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, GgufDequantFixtureTest,
                         ::testing::Values("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                           "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"));

// Q8_K has no gguf-py decoder; its block is {f32 d, int8 q[256], int16 bsums[16]}, y = d * q.
TEST(GgufDequantTest, Q8KByHand) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(GgmlType::kQ8_K));
  ASSERT_NE(t, nullptr);
  std::vector<uint8_t> block(static_cast<size_t>(t->type_size), 0);
  float d = 0.25f;
  std::memcpy(block.data(), &d, 4);
  for (int i = 0; i < 256; ++i) block[4 + i] = static_cast<uint8_t>(static_cast<int8_t>(i - 128));
  std::vector<float> y(256);
  ASSERT_TRUE(DequantizeGgml(*t, block, y, "q8k").ok());
  for (int i = 0; i < 256; ++i) EXPECT_EQ(y[i], 0.25f * static_cast<float>(i - 128)) << i;
}

TEST(GgufDequantTest, SizeMismatchNamesTensor) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(GgmlType::kQ4_0));
  std::vector<uint8_t> src(18 * 2);
  std::vector<float> dst(32);  // needs 18 bytes, gets 36
  Status s = DequantizeGgml(*t, src, dst, "tensor 'w'");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("tensor 'w': 36 bytes of Q4_0 do not hold 32 elements"));
  std::vector<float> partial(16);  // not a whole block
  EXPECT_FALSE(DequantizeGgml(*t, src, partial, "w").ok());
}

TEST(GgufDequantTest, UnsupportedTypeIsUnimplemented) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(GgmlType::kIQ2_XXS));
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(CanDequantizeGgml(t->type));
  std::vector<uint8_t> src(static_cast<size_t>(t->type_size));
  std::vector<float> dst(256);
  Status s = DequantizeGgml(*t, src, dst, "tensor 'x'");
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("tensor 'x': cannot dequantize GGML type IQ2_XXS"));
}

TEST(GgufTypesTest, NamesAndSizes) {
  EXPECT_EQ(GgmlTypeName(12), "Q4_K");
  EXPECT_EQ(GgmlTypeName(4), "unknown type 4");
  const GgmlTypeTraits* q6 = FindGgmlType(14);
  ASSERT_NE(q6, nullptr);
  EXPECT_EQ(q6->type_size, 210);
  EXPECT_EQ(GgmlByteSize(*q6, 512), 420);
  EXPECT_FALSE(GgmlByteSize(*q6, 100).has_value());
  EXPECT_FALSE(GgmlByteSize(*FindGgmlType(0), int64_t{1} << 62).has_value());
}

}  // namespace
}  // namespace litertlm
