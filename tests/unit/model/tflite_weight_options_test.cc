// model/tflite_weight_options.h: which arithmetic a TFLite file's weights get. Google mode gives
// the int4 products XNNPACK's qd8 × qb4w form only where the file's INT4 weights are blockwise in
// our own blocks (32 or 128): per-channel INT4 (XNNPACK's qc4w kernels) and other block sizes
// keep the plain kInt4Rows16 route; exact mode never takes it.
#include <gtest/gtest.h>

#include <string>

#include "model/tflite_weight_options.h"

namespace litertlm {
namespace {

WeightLoadOptions Options(const std::string& quantization, bool like_google) {
  format::TfliteImport import;
  import.quantization = quantization;
  import.int4_weights = quantization.starts_with("int4");
  import.int8_weights = quantization == "int8";
  return TfliteWeightOptions(import, like_google);
}

TEST(TfliteWeightOptionsTest, XnnpackQb4wOnlyForOurBlocksInGoogleMode) {
  EXPECT_TRUE(Options("int4_block32", true).int4_xnnpack_qb4w);
  EXPECT_TRUE(Options("int4_block128", true).int4_xnnpack_qb4w);
  EXPECT_FALSE(Options("int4_block0", true).int4_xnnpack_qb4w);    // per channel
  EXPECT_FALSE(Options("int4_block64", true).int4_xnnpack_qb4w);   // stored in our blocks of 32
  EXPECT_FALSE(Options("int4_block256", true).int4_xnnpack_qb4w);  // stored in our blocks of 128
  EXPECT_FALSE(Options("int8", true).int4_xnnpack_qb4w);
  for (const char* q : {"int4_block32", "int4_block128", "int4_block0", "int8", "fp32"}) {
    const WeightLoadOptions exact = Options(q, false);
    EXPECT_FALSE(exact.int4_xnnpack_qb4w) << q;
    EXPECT_FALSE(exact.xnnpack_float_ops) << q;
    EXPECT_TRUE(Options(q, true).xnnpack_float_ops) << q;
  }
}

}  // namespace
}  // namespace litertlm
