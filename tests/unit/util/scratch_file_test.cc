// ScratchFile: an unnamed temporary file; what is appended reads back, and it leaves no name.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "unit/test_util.h"
#include "util/scratch_file.h"

namespace litertlm {
namespace {

TEST(ScratchFileTest, AppendedBytesReadBackAndNoFileIsLeft) {
  const std::string dir = testing::ScratchDir() + "/scratch";
  std::filesystem::create_directories(dir);
  {
    auto file = ScratchFile::Create(dir);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    std::vector<uint8_t> a(100000), b(7);
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i * 31);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(200 + i);
    auto at_a = file->Append(a);
    auto at_b = file->Append(b);
    ASSERT_TRUE(at_a.ok() && at_b.ok());
    EXPECT_EQ(*at_a, 0u);
    EXPECT_EQ(*at_b, a.size());
    EXPECT_EQ(file->size(), a.size() + b.size());
    std::vector<uint8_t> got(b.size() + 10);
    ASSERT_TRUE(file->ReadAt(a.size() - 10, got).ok());
    EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + 10), std::vector<uint8_t>(a.end() - 10, a.end()));
    EXPECT_EQ(std::vector<uint8_t>(got.begin() + 10, got.end()), b);
    // Reading past what was appended is an error, not garbage.
    std::vector<uint8_t> past(8);
    EXPECT_EQ(file->ReadAt(file->size() - 4, past).code(), StatusCode::kOutOfRange);
    // The file has no name in the directory while open.
    EXPECT_TRUE(std::filesystem::is_empty(dir));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(ScratchFileTest, MissingDirectoryIsAnErrorNamingIt) {
  auto file = ScratchFile::Create("/nonexistent/scratch/dir");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("/nonexistent/scratch/dir"), std::string::npos);
}

}  // namespace
}  // namespace litertlm
