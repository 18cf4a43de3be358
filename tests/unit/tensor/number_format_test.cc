// The number-format table (tensor/dtype.h) and the facts derived from it that packing, the
// quantizer and the weights table read.
#include <gtest/gtest.h>

#include "format/weights_layout.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"
#include "tensor/dtype.h"

namespace litertlm {
namespace {

TEST(NumberFormatTest, OneRowPerDTypeInNumberOrder) {
  const char* names[] = {"f32", "f16", "bf16", "i8", "i4_block32", "i4_block128", "i32", "i64", "f64"};
  ASSERT_EQ(AllDTypes().size(), std::size(names));
  for (size_t i = 0; i < AllDTypes().size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(AllDTypes()[i]), i);
    EXPECT_EQ(DTypeName(AllDTypes()[i]), names[i]);
  }
  EXPECT_EQ(DTypeName(static_cast<DType>(200)), "unknown");
  EXPECT_EQ(DTypeSize(static_cast<DType>(200)), 0u);
}

TEST(NumberFormatTest, Facts) {
  EXPECT_EQ(DTypeSize(DType::kF32), 4u);
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_EQ(DTypeSize(DType::kI8), 1u);
  EXPECT_EQ(DTypeSize(DType::kI4Block32), 0u);  // two per byte
  EXPECT_EQ(DTypeSize(DType::kF64), 8u);
  EXPECT_TRUE(IsInt4(DType::kI4Block32));
  EXPECT_TRUE(IsInt4(DType::kI4Block128));
  EXPECT_FALSE(IsInt4(DType::kI8));
  EXPECT_EQ(NumberFormatOf(DType::kI4Block32).scale_block, 32);
  EXPECT_EQ(NumberFormatOf(DType::kI4Block128).scale_block, 128);
  EXPECT_EQ(NumberFormatOf(DType::kI4Block32).row_group, 128);
  EXPECT_EQ(NumberFormatOf(DType::kI8).row_group, 1);
  EXPECT_TRUE(NumberFormatOf(DType::kI8).scale_per_row);
  EXPECT_TRUE(NumberFormatOf(DType::kI8).row_sums);
  EXPECT_FALSE(NumberFormatOf(DType::kI4Block128).row_sums);
  for (DType d : {DType::kF16, DType::kBF16, DType::kI8, DType::kI4Block32, DType::kI4Block128})
    EXPECT_TRUE(NumberFormatOf(d).packable) << DTypeName(d);
  for (DType d : {DType::kF32, DType::kI32, DType::kI64, DType::kF64})
    EXPECT_FALSE(NumberFormatOf(d).packable) << DTypeName(d);
}

// What kernels/ derives from the table (the values the kernels were written for).
TEST(NumberFormatTest, KernelGeometry) {
  EXPECT_EQ(MatrixRowBytes(DType::kF32, 256), 1024);
  EXPECT_EQ(MatrixRowBytes(DType::kBF16, 256), 512);
  EXPECT_EQ(MatrixRowBytes(DType::kI8, 256), 256);
  EXPECT_EQ(MatrixRowBytes(DType::kI4Block128, 256), 128);
  EXPECT_EQ(MatrixRowBytes(DType::kI32, 256), 0);
  EXPECT_EQ(ScaleBlock(DType::kI8, 256), 256);
  EXPECT_EQ(ScaleBlock(DType::kI4Block32, 256), 32);
  EXPECT_EQ(ScaleBlock(DType::kF16, 256), 1);
  EXPECT_EQ(ElementsPerChunk(DType::kF32), 16);
  EXPECT_EQ(ElementsPerChunk(DType::kF16), 32);
  EXPECT_EQ(ElementsPerChunk(DType::kI8), 64);
  EXPECT_EQ(ElementsPerChunk(DType::kI4Block32), 128);
}

// The weights table's byte sizes read the same facts.
TEST(NumberFormatTest, StoredSizes) {
  const int64_t shape[] = {5, 256};
  auto i8 = format::ComputeTensorByteSizes(DType::kI8, shape, "w", TensorLayout::kPacked4x64);
  ASSERT_TRUE(i8.ok()) << i8.status().ToString();
  EXPECT_EQ(i8->data, 8u * 256);  // rows padded to 4
  EXPECT_EQ(i8->scales, 8u * 4);
  EXPECT_EQ(i8->row_sums, 8u * 4);
  auto i4 = format::ComputeTensorByteSizes(DType::kI4Block32, shape, "w", TensorLayout::kRowMajor);
  ASSERT_TRUE(i4.ok()) << i4.status().ToString();
  EXPECT_EQ(i4->data, 5u * 128);
  EXPECT_EQ(i4->scales, 5u * 8 * 4);
  EXPECT_EQ(i4->row_sums, 0u);
  const int64_t narrow[] = {4, 64};
  auto bad = format::ComputeTensorByteSizes(DType::kI4Block32, narrow, "w", TensorLayout::kPacked4x64);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("multiple of 128"), std::string::npos) << bad.status().message();
  auto f32 = format::ComputeTensorByteSizes(DType::kF32, shape, "w", TensorLayout::kPacked4x64);
  ASSERT_FALSE(f32.ok());
  EXPECT_NE(f32.status().message().find("f16, bf16, i8, i4_block32 and i4_block128"), std::string::npos)
      << f32.status().message();
}

}  // namespace
}  // namespace litertlm
