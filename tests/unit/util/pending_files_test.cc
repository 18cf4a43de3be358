#include "util/pending_files.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "unit/test_util.h"
#include "util/atomic_file.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::WriteFile;

// The pid of a child that has exited and been reaped: no process has it (until reused).
pid_t DeadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(PendingFiles, RemovePendingFilesUnlinksWhatAWriterIsWriting) {
  const std::string dir = ScratchDir();
  auto writer = AtomicFileWriter::Create(dir + "/model.litertlm");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->Write("partial", 7).ok());
  ASSERT_TRUE(fs::exists(writer->tmp_path()));
  RemovePendingFiles();  // what a SIGINT handler calls
  EXPECT_FALSE(fs::exists(writer->tmp_path()));
  EXPECT_FALSE(fs::exists(dir + "/model.litertlm"));
}

TEST(PendingFiles, RegisteredDirectoriesAreRemovedWhenEmpty) {
  const std::string dir = ScratchDir();
  fs::create_directories(dir + "/a/b");
  fs::create_directories(dir + "/kept");
  WriteFile(dir + "/kept/file", "x");
  const int b = RegisterPendingDirectory(dir + "/a/b");  // deepest first
  const int a = RegisterPendingDirectory(dir + "/a");
  const int kept = RegisterPendingDirectory(dir + "/kept");
  auto writer = AtomicFileWriter::Create(dir + "/a/b/m.litertlm");
  ASSERT_TRUE(writer.ok());
  RemovePendingFiles();
  EXPECT_FALSE(fs::exists(dir + "/a"));  // its file first, then b, then a
  EXPECT_TRUE(fs::exists(dir + "/kept/file"));
  for (int slot : {a, b, kept}) UnregisterPendingFile(slot);
}

TEST(PendingFiles, CommittedAndDestroyedWritersAreForgotten) {
  const std::string dir = ScratchDir();
  {
    auto writer = AtomicFileWriter::Create(dir + "/done.litertlm");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Write("x", 1).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  // A new file at the temporary path of the committed writer is not someone else's to remove.
  const std::string stranger = dir + "/done.litertlm.tmp." + std::to_string(::getpid());
  WriteFile(stranger, "mine");
  RemovePendingFiles();
  EXPECT_TRUE(fs::exists(dir + "/done.litertlm"));
  EXPECT_TRUE(fs::exists(stranger));
}

TEST(PendingFiles, TempFileOwnerParsesOnlyPidSuffixes) {
  EXPECT_EQ(TempFileOwner("a.litertlm.tmp.1234"), pid_t{1234});
  EXPECT_EQ(TempFileOwner("a.tmp.0"), std::nullopt);
  EXPECT_EQ(TempFileOwner("a.tmp."), std::nullopt);
  EXPECT_EQ(TempFileOwner("a.tmp.12x"), std::nullopt);
  EXPECT_EQ(TempFileOwner(".tmp.12"), std::nullopt);
  EXPECT_EQ(TempFileOwner("a.litertlm"), std::nullopt);
  EXPECT_EQ(TempFileOwner("a.tmp.12345678901"), std::nullopt);
}

TEST(PendingFiles, CreateSweepsLeftoversOfDeadProcessesOnly) {
  const std::string dir = ScratchDir();
  const std::string out = dir + "/model.litertlm";
  const pid_t dead = DeadPid();
  ASSERT_TRUE(ProcessIsGone(dead));
  const std::string dead_tmp = out + ".tmp." + std::to_string(dead);
  const std::string live_tmp = out + ".tmp.1";  // init is always alive
  const std::string other = dir + "/other.litertlm.tmp." + std::to_string(dead);
  WriteFile(dead_tmp, "left by a killed conversion");
  WriteFile(live_tmp, "a conversion still running");
  WriteFile(other, "another output's leftover");
  auto writer = AtomicFileWriter::Create(out);
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE(fs::exists(dead_tmp));
  EXPECT_TRUE(fs::exists(live_tmp));
  EXPECT_TRUE(fs::exists(other));  // only "<path>.tmp.<pid>" of the path being written
  EXPECT_EQ(SweepStaleTempFiles(dir + "/other.litertlm"), 1);
  EXPECT_FALSE(fs::exists(other));
}

}  // namespace
}  // namespace litertlm
