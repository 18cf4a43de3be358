// An interrupted write never leaves a file at the destination (or a file that looks complete).
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "format/litertlm_reader.h"
#include "format/litertlm_writer.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

using ::litertlm::format::testing::ReadAll;
using ::litertlm::format::testing::TempPath;

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

// Files in the destination's directory whose names start with the destination's name.
std::vector<std::string> Leftovers(const std::string& path) {
  const std::string dir = path.substr(0, path.rfind('/'));
  const std::string base = path.substr(path.rfind('/') + 1);
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind(base, 0) == 0) out.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  return out;
}

Status StartWriting(LitertlmWriter& w) {
  Status s = w.AddLlmMetadata(testing::SampleMetadata());
  if (s.ok()) s = w.BeginWeights();
  std::vector<float> v(1000, 1.0f);
  TensorView t;
  t.shape = {1000};
  t.data = {reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4};
  if (s.ok()) s = w.AddTensor("t", t);
  return s;
}

TEST(LitertlmInterrupted, AbandonedWriterLeavesNothing) {
  const std::string path = TempPath("abandoned.litertlm");
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(StartWriting(**writer).ok());
    EXPECT_GT((*writer)->bytes_written(), 16384u);
  }  // destroyed without Finish()
  EXPECT_FALSE(Exists(path));
  EXPECT_THAT(Leftovers(path), ::testing::IsEmpty());
}

TEST(LitertlmInterrupted, AbandonedRewriteKeepsOldFile) {
  const std::string path = TempPath("keep.litertlm");
  ASSERT_TRUE(testing::WriteSampleFile(path).ok());
  const std::vector<uint8_t> before = ReadAll(path);
  {
    auto writer = LitertlmWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(StartWriting(**writer).ok());
  }
  EXPECT_EQ(ReadAll(path), before);
  EXPECT_TRUE(LitertlmReader::Open(path).ok());
}

TEST(LitertlmInterrupted, HeaderTooLargeFailsWithoutFile) {
  const std::string path = TempPath("bigheader.litertlm");
  auto writer = LitertlmWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  (*writer)->AddSystemMetadata("blob", std::string(20000, 'x'));
  Status s = (*writer)->Finish();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("first 16 KiB"));
  writer = StatusOr<std::unique_ptr<LitertlmWriter>>(InternalError("released"));
  EXPECT_FALSE(Exists(path));
  EXPECT_THAT(Leftovers(path), ::testing::IsEmpty());
}

TEST(LitertlmInterrupted, ProcessDeathMidWriteLeavesNoCompleteLookingFile) {
  const std::string path = TempPath("killed.litertlm");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto writer = LitertlmWriter::Create(path);
    if (!writer.ok() || !StartWriting(**writer).ok()) _exit(2);
    _exit(0);  // dies without Finish() and without running destructors
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(Exists(path));
  // The temporary file may remain (nobody could delete it), but it is not a valid file: the
  // header is only written by Finish().
  std::vector<std::string> left = Leftovers(path);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_THAT(left[0], ::testing::HasSubstr(".tmp."));
  auto reader = LitertlmReader::Open(left[0]);
  EXPECT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(), ::testing::HasSubstr("bad magic"));
  std::remove(left[0].c_str());
}

}  // namespace
}  // namespace litertlm::format
