// MappedFile: read-only mapping of a whole file; DropPages keeps views valid.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "unit/test_util.h"
#include "util/mapped_file.h"

namespace litertlm {
namespace {

std::string WriteFile(const std::string& name, size_t bytes) {
  const std::string path = testing::ScratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  for (size_t i = 0; i < bytes; ++i) out.put(static_cast<char>((i * 131) & 0xff));
  return path;
}

TEST(MappedFileTest, DropPagesKeepsContentsReadable) {
  const size_t size = 5 * 4096 + 123;
  auto file = MappedFile::Open(WriteFile("drop.bin", size));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<uint8_t> before(file->bytes().begin(), file->bytes().end());
  ASSERT_EQ(before.size(), size);
  file->DropPages(file->bytes().subspan(100, 3 * 4096));  // interior pages only
  file->DropPages(file->bytes());                           // the whole mapping
  std::vector<uint8_t> dummy(16);
  file->DropPages(dummy);  // outside the mapping: ignored
  std::vector<uint8_t> after(file->bytes().begin(), file->bytes().end());
  EXPECT_EQ(before, after);
}

TEST(MappedFileTest, MissingFileIsAnErrorNamingIt) {
  auto file = MappedFile::Open("/nonexistent/dir/x.bin");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("/nonexistent/dir/x.bin"), std::string::npos);
}

}  // namespace
}  // namespace litertlm
