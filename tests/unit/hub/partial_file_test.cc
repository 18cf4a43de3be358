#include "hub/partial_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/hub/test_dir.h"

namespace litertlm::hub {
namespace {

using testing::TestDir;
namespace fs = std::filesystem;

const char* kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PartialFileTest, CommitRenamesWhenDigestMatches) {
  TestDir dir;
  std::string dest = dir.Join("m/a.bin");
  auto f = PartialFile::Open(dest, kAbcSha256, 3, "org/m/a.bin");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(fs::exists(dest + ".incomplete"));
  ASSERT_TRUE(f->Append("ab", 2).ok());
  ASSERT_TRUE(f->Append("c", 1).ok());
  ASSERT_TRUE(f->Commit().ok());
  EXPECT_EQ(Read(dest), "abc");
  EXPECT_FALSE(fs::exists(dest + ".incomplete"));
}

TEST(PartialFileTest, ResumedBytesAreHashedToo) {
  TestDir dir;
  std::string dest = dir.Join("a.bin");
  dir.Write("a.bin.incomplete", "ab");
  auto f = PartialFile::Open(dest, kAbcSha256, 3, "a.bin");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->size(), 2u);
  ASSERT_TRUE(f->Append("c", 1).ok());
  EXPECT_TRUE(f->Commit().ok());
  EXPECT_EQ(Read(dest), "abc");
}

TEST(PartialFileTest, MismatchDeletesEverything) {
  TestDir dir;
  std::string dest = dir.Join("a.bin");
  auto f = PartialFile::Open(dest, kAbcSha256, 3, "org/m/a.bin");
  ASSERT_TRUE(f->Append("abd", 3).ok());
  Status s = f->Commit();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("checksum mismatch for org/m/a.bin"), std::string::npos);
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_FALSE(fs::exists(dest + ".incomplete"));
}

TEST(PartialFileTest, SizeMismatchAndOversizedPartial) {
  TestDir dir;
  std::string dest = dir.Join("a.bin");
  auto f = PartialFile::Open(dest, "", 5, "a.bin");
  ASSERT_TRUE(f->Append("abc", 3).ok());
  EXPECT_EQ(f->Commit().code(), StatusCode::kDataLoss);
  dir.Write("b.bin.incomplete", "too long for three");
  auto g = PartialFile::Open(dir.Join("b.bin"), kAbcSha256, 3, "b.bin");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->size(), 0u);  // truncated and restarted
}

TEST(PartialFileTest, KeepLeavesThePartialForResume) {
  TestDir dir;
  std::string dest = dir.Join("a.bin");
  {
    auto f = PartialFile::Open(dest, kAbcSha256, 3, "a.bin");
    ASSERT_TRUE(f->Append("a", 1).ok());
    f->Keep();
  }
  EXPECT_EQ(Read(dest + ".incomplete"), "a");
  EXPECT_FALSE(fs::exists(dest));
}

TEST(PartialFileTest, GitBlobSha1ForSmallFiles) {
  TestDir dir;
  std::string dest = dir.Join("c.txt");
  auto f = PartialFile::Open(dest, "3b18e512dba79e4c8300dd08aeb37f8e728b8dad", 12, "c.txt");
  ASSERT_TRUE(f->Append("hello world\n", 12).ok());
  EXPECT_TRUE(f->Commit().ok());
}

}  // namespace
}  // namespace litertlm::hub

namespace litertlm::hub {
namespace {

TEST(PartialFileTest, SecondConcurrentDownloadIsRefused) {
  testing::TestDir dir;
  std::string dest = dir.Join("a.bin");
  auto first = PartialFile::Open(dest, kAbcSha256, 3, "org/m/a.bin");
  ASSERT_TRUE(first.ok());
  auto second = PartialFile::Open(dest, kAbcSha256, 3, "org/m/a.bin");
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("another download of org/m/a.bin"), std::string::npos);
  first->Keep();
  EXPECT_TRUE(PartialFile::Open(dest, kAbcSha256, 3, "org/m/a.bin").ok());
}

}  // namespace
}  // namespace litertlm::hub
