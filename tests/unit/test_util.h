// Helpers shared by the unit tests: scratch directories and file writing.
#ifndef LITERTLM_TESTS_UNIT_TEST_UTIL_H_
#define LITERTLM_TESTS_UNIT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace litertlm::testing {

// A path from the environment, else the one CMake compiled in (tests/CMakeLists.txt).
inline std::string PathSetting(const char* env, const char* compiled_in) {
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' ? v : compiled_in;
}

// The repository root, tests/golden, the tokenizer fixtures the configure step unpacks from
// tests/fixtures/tokenizers.tar.xz (<build>/tests/shared) and the build's scratch root.
inline std::string SourceDir() { return PathSetting("LITERTLM_SOURCE_DIR", LITERTLM_SOURCE_DIR_DEFAULT); }
inline std::string GoldenDir() { return PathSetting("LITERTLM_GOLDEN_DIR", LITERTLM_GOLDEN_DIR_DEFAULT); }
inline std::string SharedDir() { return PathSetting("LITERTLM_SHARED_DIR", LITERTLM_SHARED_DIR_DEFAULT); }
inline std::string TmpRoot() { return PathSetting("LITERTLM_TEST_TMPDIR", LITERTLM_TEST_TMPDIR_DEFAULT); }

// A fresh, empty directory for one test: <TmpRoot>/<suite>.<test>.
inline std::string ScratchDir() {
  std::filesystem::path root = TmpRoot();
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

}  // namespace litertlm::testing

#endif  // LITERTLM_TESTS_UNIT_TEST_UTIL_H_
