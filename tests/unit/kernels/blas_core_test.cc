#include <gtest/gtest.h>

#include "kernels/blas.h"

namespace litertlm {
namespace {

// OpenBLAS's x86-64 core names (any case) map to the vector level their kernels use; a name
// this table does not know is kUnknown, so it never raises the below-the-CPU warning.
TEST(BlasCoreTest, CoreNamesMapToVectorLevels) {
  EXPECT_EQ(BlasCoreLevel("SkylakeX"), VectorLevel::kAvx512);
  EXPECT_EQ(BlasCoreLevel("COOPERLAKE"), VectorLevel::kAvx512);
  EXPECT_EQ(BlasCoreLevel("SapphireRapids"), VectorLevel::kAvx512);
  EXPECT_EQ(BlasCoreLevel("Haswell"), VectorLevel::kAvx2Fma);
  EXPECT_EQ(BlasCoreLevel("zen"), VectorLevel::kAvx2Fma);
  EXPECT_EQ(BlasCoreLevel("Sandybridge"), VectorLevel::kAvx);
  EXPECT_EQ(BlasCoreLevel("Piledriver"), VectorLevel::kAvx);
  EXPECT_EQ(BlasCoreLevel("Prescott"), VectorLevel::kSse);
  EXPECT_EQ(BlasCoreLevel("Nehalem"), VectorLevel::kSse);
  EXPECT_EQ(BlasCoreLevel("Opteron_SSE3"), VectorLevel::kSse);
  EXPECT_EQ(BlasCoreLevel("Zen4"), VectorLevel::kUnknown);
  EXPECT_EQ(BlasCoreLevel(""), VectorLevel::kUnknown);
}

TEST(BlasCoreTest, LevelNames) {
  EXPECT_STREQ(VectorLevelName(VectorLevel::kAvx512), "avx512");
  EXPECT_STREQ(VectorLevelName(VectorLevel::kAvx2Fma), "avx2");
  EXPECT_STREQ(VectorLevelName(VectorLevel::kAvx), "avx");
  EXPECT_STREQ(VectorLevelName(VectorLevel::kSse), "sse");
  EXPECT_STREQ(VectorLevelName(VectorLevel::kUnknown), "");
}

}  // namespace
}  // namespace litertlm
