// A fresh scratch directory per test, removed afterwards.
#ifndef LITERTLM_TESTS_UNIT_HUB_TEST_DIR_H_
#define LITERTLM_TESTS_UNIT_HUB_TEST_DIR_H_

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "unit/test_util.h"

namespace litertlm::hub::testing {

class TestDir {
 public:
  TestDir() {
    static std::atomic<int> counter{0};
    std::filesystem::path root = litertlm::testing::TmpRoot();
    path_ = root / ("hub_unit_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    path_ = std::filesystem::canonical(path_);
  }
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::string Join(const std::string& rel) const { return (path_ / rel).string(); }
  std::string Write(const std::string& rel, const std::string& content) const {
    std::filesystem::path p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace litertlm::hub::testing

#endif  // LITERTLM_TESTS_UNIT_HUB_TEST_DIR_H_
