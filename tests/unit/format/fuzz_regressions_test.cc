// Inputs the reader fuzzer once crashed on (tests/fuzz/regressions/litertlm_reader/): each must
// now be rejected with the expected message.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "format/litertlm_reader.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

std::string Regression(const std::string& name) {
  return testing::TestsDir() + "/fuzz/regressions/litertlm_reader/" + name;
}

TEST(LitertlmFuzzRegressions, MisalignedShapeVector) {
  // UBSan: misaligned int64 load reading TensorEntry.shape (the Verifier only checks 4 bytes).
  std::vector<uint8_t> bytes = testing::ReadAll(Regression("misaligned_shape_vector"));
  ASSERT_FALSE(bytes.empty());
  std::vector<uint64_t> aligned((bytes.size() + 7) / 8);  // 8-aligned copy, as mmap would be
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  auto r = LitertlmReader::OpenBuffer({reinterpret_cast<const uint8_t*>(aligned.data()), bytes.size()},
                                      "regression", lenient);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("shape vector is not 8-byte aligned"));
}

}  // namespace
}  // namespace litertlm::format
