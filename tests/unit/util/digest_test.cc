#include "util/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace litertlm {
namespace {

TEST(DigestTest, Sha256KnownVector) {
  auto d = Digest::Create(Digest::Kind::kSha256);
  ASSERT_TRUE(d.ok());
  d->Update("ab", 2);
  d->Update("c", 1);
  EXPECT_EQ(d->FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, GitBlobSha1OfHelloWorld) {
  // `printf 'hello world\n' | git hash-object --stdin`
  auto d = Digest::Create(Digest::Kind::kSha1);
  ASSERT_TRUE(d.ok());
  std::string prefix = "blob 12";
  d->Update(prefix.data(), prefix.size() + 1);
  d->Update("hello world\n", 12);
  EXPECT_EQ(d->FinishHex(), "3b18e512dba79e4c8300dd08aeb37f8e728b8dad");
}

}  // namespace
}  // namespace litertlm
