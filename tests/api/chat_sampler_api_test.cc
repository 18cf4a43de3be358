// The chat-template and sampler APIs through the public shared library, as a user links them.
#include <gtest/gtest.h>

#include <vector>

#include "litertlm/chat.h"
#include "litertlm/sampler.h"

namespace {

TEST(ChatApiTest, PromptTemplatesAndUnknownTemplate) {
  auto chatml = litertlm::ChatTemplate::FromPromptTemplates(litertlm::PromptTemplates::ChatML());
  std::vector<litertlm::Message> chat = {{litertlm::Role::kSystem, "S"},
                                         {litertlm::Role::kUser, "Hi"}};
  auto text = chatml->Render(chat);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                   "<|im_start|>assistant\n");
  EXPECT_EQ(litertlm::RoleName(litertlm::Role::kAssistant), "assistant");
  auto unknown = litertlm::ChatTemplate::Create("{{ messages }}");
  EXPECT_EQ(unknown.status().code(), litertlm::StatusCode::kUnimplemented);
}

TEST(SamplerApiTest, CreateValidateSample) {
  litertlm::SamplerOptions o;
  o.top_p = 0;
  auto bad = litertlm::Sampler::Create(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("top_p"), std::string::npos);
  auto defaults = litertlm::DefaultSamplerOptions("Qwen3ForCausalLM");
  ASSERT_TRUE(defaults.has_value());
  auto sampler = litertlm::Sampler::Create(*defaults);
  ASSERT_TRUE(sampler.ok());
  std::vector<float> logits = {0.0f, 9.0f, 1.0f};
  EXPECT_EQ((*sampler)->Sample(logits), 1);
}

}  // namespace
