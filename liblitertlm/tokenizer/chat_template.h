// Private parts of the chat-template renderers (public API: include/litertlm/chat.h).
//
// liblitertlm renders the chat-template families it knows natively instead of interpreting Jinja:
// each family's file (chat_template_<family>.cc) holds its renderer and registers one
// ChatTemplateRenderer row (its name, how its template text is recognised from marker strings,
// how its renderer is built) with the table in chat_template.cc, so a new family is one new
// file and nothing else here. Each renderer reproduces transformers' apply_chat_template output
// byte for byte for the inputs the public API can express (string contents;
// system/user/assistant roles). tests/unit/chat/chat_template_test.cc checks that against
// references rendered by transformers (tests/golden/chat/) and that every family is registered.
//
// Registration runs in the renderer file's static initialisers. liblitertlm is built as an
// object library (litertlm_obj) linked whole into the shared library, the tests, benchmarks and
// fuzzers, so every renderer object is linked; a static archive of the library would have to be
// linked with --whole-archive, or its unreferenced renderer objects (and their rows) are dropped.
#ifndef LITERTLM_TOKENIZER_CHAT_TEMPLATE_H_
#define LITERTLM_TOKENIZER_CHAT_TEMPLATE_H_

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "litertlm/chat.h"
#include "litertlm/status.h"

namespace litertlm {

// What ChatTemplate::family() returns for FromPromptTemplates() (not a registered family).
inline constexpr std::string_view kPromptTemplatesFamily = "prompt_templates";

// transformers' `strftime_now(format)` Jinja global: the local time now, formatted by strftime
// in the C locale ("%d %b %Y" gives "07 Dec 2026").
std::string StrftimeNow(std::string_view format);

// What a renderer is built from.
struct ChatTemplateSource {
  std::string_view jinja;
  std::string_view bos_token;
  std::string_view eos_token;
  // The clock behind the template's strftime_now (tests fix it; empty: StrftimeNow).
  std::function<std::string(std::string_view format)> strftime_now = &StrftimeNow;
};

// A chat-template family rendered natively: one row, registered by the family's file.
struct ChatTemplateRenderer {
  std::string_view family;  // what its renderers' family() return, e.g. "qwen3"
  // True when `jinja` is this family's template (all its marker strings occur). They pin down
  // the behaviours the renderer implements, so a look-alike template with other logic is not
  // taken for it; no template may match two rows (the test checks every reference template).
  bool (*matches)(std::string_view jinja) = nullptr;
  // Its renderer for a template `matches` accepted.
  std::unique_ptr<ChatTemplate> (*create)(const ChatTemplateSource& source) = nullptr;
  // The Jinja text the converter stores in place of the checkpoint's template of this family
  // (LlmMetadata.jinja_prompt_template); null: the checkpoint's own.
  std::string_view (*converted_template)() = nullptr;
};

// Adds its row to the table: a namespace-scope constant in the family's file,
//   const ChatTemplateRegistration kRegistration({.family = "llama3", ...});
struct ChatTemplateRegistration {
  explicit ChatTemplateRegistration(const ChatTemplateRenderer& renderer);
};

// Every registered row, sorted by family name: the order detection tries them in (registration
// order across files is unspecified; the name makes it deterministic).
std::span<const ChatTemplateRenderer> ChatTemplateRenderers();

// The name of the family whose template `jinja_template` is (the first row, by name, whose
// matches() accepts it); nullopt when none.
std::optional<std::string_view> DetectChatTemplateFamily(std::string_view jinja_template);

// Detects the family and builds its renderer (the work behind ChatTemplate::Create).
StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(const ChatTemplateSource& source);
StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(std::string_view jinja_template,
                                                           std::string_view bos_token,
                                                           std::string_view eos_token);

// The chat template a converted file stores for a checkpoint's `jinja_template`: the family's
// converted_template when it has one, else the checkpoint's own text.
std::string ConvertedChatTemplate(std::string_view jinja_template);

// The Jinja text the converter stores as a Qwen3 file's chat template (see
// chat_template_qwen3_jinja.cc for why it is not the checkpoint's own). DetectChatTemplateFamily
// knows it as "qwen3", whose renderer then writes every assistant turn as its answer alone.
std::string_view Qwen3AnswersOnlyJinjaTemplate();

std::unique_ptr<ChatTemplate> NewPromptTemplatesChatTemplate(PromptTemplates templates);

// For matches(): whether all / any of `markers` occur in `text`.
bool ContainsAllOf(std::string_view text, std::span<const std::string_view> markers);
bool ContainsAnyOf(std::string_view text, std::span<const std::string_view> markers);

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
