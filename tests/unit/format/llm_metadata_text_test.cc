#include "format/llm_metadata_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "format/llm_metadata.pb.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

TEST(LlmMetadataText, RoundTripsAndKeepsUtf8) {
  litert::lm::proto::LlmMetadata m = testing::SampleMetadata();
  m.mutable_prompt_templates()->mutable_system()->set_prefix("système ✓\n");
  const std::string text = LlmMetadataToText(m);
  EXPECT_THAT(text, ::testing::HasSubstr("prefix: \"système ✓\\n\""));
  litert::lm::proto::LlmMetadata back;
  Status s = LlmMetadataFromText("# proto-message: LlmMetadata\n" + text, "m.textproto", &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back.SerializeAsString(), m.SerializeAsString());
}

TEST(LlmMetadataText, ErrorsNamePositionAndDoNotLog) {
  litert::lm::proto::LlmMetadata m;
  ::testing::internal::CaptureStderr();
  Status s = LlmMetadataFromText("max_num_tokens: 5\nbogus_field: 1\n", "base.textproto", &m);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("base.textproto: not a valid LlmMetadata text proto: line 2"));
  EXPECT_THAT(s.message(), ::testing::HasSubstr("bogus_field"));
}

}  // namespace
}  // namespace litertlm::format
