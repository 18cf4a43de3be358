// The public API as an application sees it: a chat template's family is a string (a new family
// is a new name, not a new enum value), and the public classes expose no way into the library's
// internals (no impl() accessor).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "litertlm/chat.h"
#include "litertlm/engine.h"
#include "litertlm/model.h"
#include "litertlm/session.h"

namespace litertlm {
namespace {

// Checked at compile time: the build of this file fails when a public class offers impl().
template <typename T>
concept HasImplAccessor = requires(const T& object) { object.impl(); };

static_assert(!HasImplAccessor<Model>, "litertlm::Model exposes impl()");
static_assert(!HasImplAccessor<Engine>, "litertlm::Engine exposes impl()");
static_assert(!HasImplAccessor<DecodeBatcher>, "litertlm::DecodeBatcher exposes impl()");
static_assert(!HasImplAccessor<Session>, "litertlm::Session exposes impl()");
static_assert(std::is_same_v<decltype(std::declval<const ChatTemplate&>().family()), std::string_view>);

std::string GoldenDir() {
  const char* v = std::getenv("LITERTLM_GOLDEN_DIR");
  return v != nullptr && *v != '\0' ? v : LITERTLM_GOLDEN_DIR_DEFAULT;
}

TEST(ChatTemplateFamilyTest, CheckpointsNameTheirFamily) {
  struct Case {
    const char* fixture;
    std::string_view family;
  };
  for (const Case& c : {Case{"qwen3_gqa", "qwen3"}, Case{"gemma3_mqa", "gemma3"}, Case{"llama3_gqa", "llama3"}}) {
    auto engine = Engine::Create(GoldenDir() + "/models/" + c.fixture);
    ASSERT_TRUE(engine.ok()) << c.fixture << ": " << engine.status().ToString();
    EXPECT_EQ((*engine)->chat_template().family(), c.family) << c.fixture;
  }
}

TEST(ChatTemplateFamilyTest, PromptTemplatesAreNamedSo) {
  EXPECT_EQ(ChatTemplate::FromPromptTemplates(PromptTemplates::ChatML())->family(), "prompt_templates");
  EXPECT_EQ(ChatTemplate::FromPromptTemplates(PromptTemplates::GemmaTurns())->family(), "prompt_templates");
}

TEST(ChatTemplateFamilyTest, CreateNamesTheRecognisedFamily) {
  // The Llama 3.0 instruct template.
  const std::string llama3 =
      "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
      "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim "
      "+ '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
      "{{ content }}{% endfor %}{% if add_generation_prompt %}"
      "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
  auto tmpl = ChatTemplate::Create(llama3, "<|begin_of_text|>", "<|eot_id|>");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().ToString();
  EXPECT_EQ((*tmpl)->family(), "llama3");
  auto unknown = ChatTemplate::Create("{{ messages[0]['content'] }}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace litertlm
