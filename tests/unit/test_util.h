// Helpers shared by the unit tests: scratch directories and file writing.
#ifndef LITERTLM_TESTS_UNIT_TEST_UTIL_H_
#define LITERTLM_TESTS_UNIT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace litertlm::testing {

// A fresh, empty directory for one test: $LITERTLM_TEST_TMPDIR/<suite>.<test>.
inline std::string ScratchDir() {
  const char* base = std::getenv("LITERTLM_TEST_TMPDIR");
  std::filesystem::path root = base ? base : ::testing::TempDir();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = root / (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// tests/golden (committed fixtures).
inline std::string GoldenDir() {
  const char* dir = std::getenv("LITERTLM_GOLDEN_DIR");
  return dir ? dir : LITERTLM_GOLDEN_DIR_DEFAULT;
}

}  // namespace litertlm::testing

#endif  // LITERTLM_TESTS_UNIT_TEST_UTIL_H_
