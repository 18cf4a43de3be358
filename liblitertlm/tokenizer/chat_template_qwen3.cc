// Native renderer of the Qwen3 chat template (tokenizer_config.json of Qwen/Qwen3-*), restricted
// to what the public API expresses: no tools, string contents, system/user/assistant roles.
// Each step below mirrors one statement of the Jinja source. With Qwen3History::kAnswersOnly it
// renders the template the converter writes (chat_template_qwen3_jinja.cc) instead, which differs
// only in writing every assistant turn as its answer alone.
#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/chat_template.h"

namespace litertlm {
namespace {

constexpr std::string_view kFamily = "qwen3";

// Strings every Qwen3 template contains (chat_template.h: ChatTemplateRenderer::matches).
constexpr std::array<std::string_view, 5> kMarkers = {
    "<|im_start|>",
    "</think>",
    "last_query_index",
    "enable_thinking is defined and enable_thinking is false",
    "<think>\\n\\n</think>\\n\\n",
};

// How assistant turns are written. kHuggingFace: as the Hugging Face template (those after the
// last user query keep their reasoning in a <think> block, the last one always gets one).
// kAnswersOnly: every assistant turn as its answer alone, the rule of the template the converter
// writes (Qwen3AnswersOnlyJinjaTemplate); both agree on every assistant turn before the last
// user query.
enum class Qwen3History { kHuggingFace, kAnswersOnly };

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";

// The template's `last_query_index`: the last user message that is not a tool-response wrapper
// (reverse scan); messages.size() - 1 when there is none.
size_t LastQueryIndex(std::span<const Message> messages) {
  for (size_t k = messages.size(); k-- > 0;) {
    const Message& m = messages[k];
    if (m.role != Role::kUser) continue;
    std::string_view c = m.content;
    bool tool_response = c.starts_with("<tool_response>") && c.ends_with("</tool_response>");
    if (!tool_response) return k;
  }
  return messages.size() - 1;
}

// Splits an assistant message into (reasoning, answer) the way the template does when the
// message has no reasoning_content field.
void SplitReasoning(std::string_view text, std::string_view* reasoning, std::string_view* answer) {
  *reasoning = {};
  *answer = text;
  size_t first_close = text.find(kThinkClose);
  if (first_close == std::string_view::npos) return;
  // content.split('</think>')[-1].lstrip('\n')
  size_t last_close = text.rfind(kThinkClose);
  *answer = PyLStripChar(text.substr(last_close + kThinkClose.size()), '\n');
  // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
  std::string_view r = PyRStripChar(text.substr(0, first_close), '\n');
  size_t last_open = r.rfind(kThinkOpen);
  if (last_open != std::string_view::npos) r = r.substr(last_open + kThinkOpen.size());
  *reasoning = PyLStripChar(r, '\n');
}

class Qwen3ChatTemplate final : public ChatTemplate {
 public:
  explicit Qwen3ChatTemplate(Qwen3History history) : history_(history) {}
  std::string_view family() const override { return kFamily; }
  bool writes_bos() const override { return false; }

  StatusOr<std::string> Render(std::span<const Message> messages,
                               const ChatTemplateOptions& options) const override {
    if (messages.empty()) {
      return InvalidArgumentError("chat (qwen3): the conversation is empty; provide at least one "
                                  "message");
    }
    std::string out;
    if (messages[0].role == Role::kSystem) {
      out += "<|im_start|>system\n";
      out += messages[0].content;
      out += "<|im_end|>\n";
    }
    const size_t last_query = LastQueryIndex(messages);
    for (size_t i = 0; i < messages.size(); ++i) {
      const Message& m = messages[i];
      if (m.role == Role::kUser || (m.role == Role::kSystem && i != 0)) {
        out += "<|im_start|>";
        out += RoleName(m.role);
        out += '\n';
        out += m.content;
        out += "<|im_end|>\n";
      } else if (m.role == Role::kAssistant) {
        const bool keeps_reasoning = history_ == Qwen3History::kHuggingFace && i > last_query;
        AppendAssistant(m.content, keeps_reasoning, i + 1 == messages.size(), &out);
      }
    }
    if (options.add_generation_prompt) {
      out += "<|im_start|>assistant\n";
      if (options.enable_thinking.has_value() && !*options.enable_thinking) {
        out += "<think>\n\n</think>\n\n";
      }
    }
    return out;
  }

 private:
  // With keeps_reasoning (Hugging Face's rule for turns after the last user query) the turn keeps
  // its reasoning, and the final one always gets a think block; otherwise it is its answer alone.
  static void AppendAssistant(std::string_view text, bool keeps_reasoning, bool is_last,
                              std::string* out) {
    std::string_view reasoning, answer;
    SplitReasoning(text, &reasoning, &answer);
    *out += "<|im_start|>assistant\n";
    if (keeps_reasoning && (is_last || !reasoning.empty())) {
      *out += "<think>\n";
      *out += PyStripChar(reasoning, '\n');
      *out += "\n</think>\n\n";
      *out += PyLStripChar(answer, '\n');
    } else {
      *out += answer;
    }
    *out += "<|im_end|>\n";
  }

  Qwen3History history_;
};

bool IsQwen3(std::string_view jinja) {
  return jinja == Qwen3AnswersOnlyJinjaTemplate() || ContainsAllOf(jinja, kMarkers);
}

std::unique_ptr<ChatTemplate> CreateQwen3(const ChatTemplateSource& source) {
  return std::make_unique<Qwen3ChatTemplate>(source.jinja == Qwen3AnswersOnlyJinjaTemplate()
                                                 ? Qwen3History::kAnswersOnly
                                                 : Qwen3History::kHuggingFace);
}

// A Qwen3 file stores our answers-only text: Google's LiteRT-LM cannot hold a conversation with
// the Hugging Face one (chat_template_qwen3_jinja.cc says why).
const ChatTemplateRegistration kRegistration({.family = kFamily,
                                              .matches = IsQwen3,
                                              .create = CreateQwen3,
                                              .converted_template = Qwen3AnswersOnlyJinjaTemplate});

}  // namespace

}  // namespace litertlm
