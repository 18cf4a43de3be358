// Private parts of the chat-template renderers (public API: include/litertlm/chat.h).
//
// liblitertlm renders the chat-template families it knows natively instead of interpreting Jinja:
// DetectChatTemplateFamily() recognises a family from marker strings of its template text, and
// each family has a renderer that reproduces transformers' apply_chat_template output byte for
// byte for the inputs the public API can express (string contents; system/user/assistant roles).
// tests/unit/tokenizer/chat_template_test.cc checks that against references rendered by
// transformers (tests/golden/chat/).
#ifndef LITERTLM_TOKENIZER_CHAT_TEMPLATE_H_
#define LITERTLM_TOKENIZER_CHAT_TEMPLATE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "litertlm/chat.h"
#include "litertlm/status.h"

namespace litertlm {

// The names ChatTemplate::family() returns (litertlm/chat.h describes the families).
inline constexpr std::string_view kQwen3TemplateFamily = "qwen3";
inline constexpr std::string_view kGemma3TemplateFamily = "gemma3";
inline constexpr std::string_view kLlama3TemplateFamily = "llama3";
inline constexpr std::string_view kPromptTemplatesFamily = "prompt_templates";

// The name of the family whose marker strings all occur in `jinja_template` (the families are
// tried in the order of the table in chat_template.cc); nullopt when none matches.
std::optional<std::string_view> DetectChatTemplateFamily(std::string_view jinja_template);

// Detects the family and builds its renderer (the work behind ChatTemplate::Create).
StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(std::string_view jinja_template,
                                                           std::string_view bos_token,
                                                           std::string_view eos_token);

// How the Qwen3 renderer writes assistant turns. kHuggingFace: as the Hugging Face template (those
// after the last user query keep their reasoning in a <think> block, the last one always gets
// one). kAnswersOnly: every assistant turn as its answer alone, the rule of the template the
// converter writes (Qwen3AnswersOnlyJinjaTemplate); both agree on every assistant turn before
// the last user query.
enum class Qwen3History { kHuggingFace, kAnswersOnly };
std::unique_ptr<ChatTemplate> NewQwen3ChatTemplate(Qwen3History history = Qwen3History::kHuggingFace);
// The Jinja text the converter stores as a Qwen3 file's chat template (see
// chat_template_qwen3_jinja.cc for why it is not the checkpoint's own). DetectChatTemplateFamily
// knows it as "qwen3" and CreateChatTemplate renders it with Qwen3History::kAnswersOnly.
std::string_view Qwen3AnswersOnlyJinjaTemplate();
std::unique_ptr<ChatTemplate> NewGemma3ChatTemplate(std::string bos_token);
std::unique_ptr<ChatTemplate> NewLlama3ChatTemplate(std::string bos_token);
// The dated Llama 3.1+ template; `date` gives the "Today Date" text ("26 Jul 2024" for 3.1,
// LocalDateForChatTemplate for 3.2's strftime_now).
std::unique_ptr<ChatTemplate> NewDatedLlama3ChatTemplate(std::string bos_token,
                                                         std::function<std::string()> date);
// Today's local date as strftime("%d %b %Y") in the C locale, e.g. "07 Dec 2026" (what
// transformers' strftime_now gives the Llama 3.2 template).
std::string LocalDateForChatTemplate();
std::unique_ptr<ChatTemplate> NewPromptTemplatesChatTemplate(PromptTemplates templates);

// Python string semantics the templates rely on.
// str.strip() with no argument: removes leading/trailing code points for which Python's
// str.isspace() is true (ASCII whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Jinja's `trim` filter is this.
std::string_view PyStrip(std::string_view s);
// str.lstrip(c) / str.rstrip(c) / str.strip(c) for a single ASCII character c.
std::string_view PyLStripChar(std::string_view s, char c);
std::string_view PyRStripChar(std::string_view s, char c);
std::string_view PyStripChar(std::string_view s, char c);

}  // namespace litertlm

#endif  // LITERTLM_TOKENIZER_CHAT_TEMPLATE_H_
