#include "hub/etag.h"

#include <gtest/gtest.h>

#include <string>

namespace litertlm::hub {
namespace {

TEST(EtagTest, NormalizeAndClassify) {
  std::string sha = std::string(64, 'A');
  EXPECT_EQ(NormalizeEtag("W/\"" + sha + "\""), std::string(64, 'a'));
  EXPECT_EQ(ClassifyEtag(NormalizeEtag("\"" + sha + "\"")), EtagKind::kSha256);
  EXPECT_EQ(ClassifyEtag(std::string(40, 'f')), EtagKind::kGitBlobSha1);
  EXPECT_EQ(ClassifyEtag("abc-123"), EtagKind::kOpaque);
  EXPECT_EQ(ClassifyEtag(std::string(64, 'g')), EtagKind::kOpaque);
  EXPECT_EQ(ClassifyEtag(""), EtagKind::kOpaque);
}

}  // namespace
}  // namespace litertlm::hub
