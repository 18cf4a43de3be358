// Native renderer of the Gemma3 instruction-tuned chat template (tokenizer_config.json of
// google/gemma-3-*-it), restricted to string contents. Mirrors the Jinja source statement by
// statement: `{{ bos_token }}`, system folding into the first turn, strict user/model alternation,
// `assistant` → `model`, `| trim` (Python str.strip) on each turn's content (not on the system
// prefix).
#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/chat_template.h"

namespace litertlm {
namespace {

constexpr std::string_view kFamily = "gemma3";

// Strings every Gemma3 template contains (chat_template.h: ChatTemplateRenderer::matches).
constexpr std::array<std::string_view, 5> kMarkers = {
    "<start_of_turn>",
    "bos_token",
    "first_user_prefix",
    "Conversation roles must alternate user/assistant/user/assistant/...",
    "| trim",
};

class Gemma3ChatTemplate final : public ChatTemplate {
 public:
  explicit Gemma3ChatTemplate(std::string bos_token) : bos_token_(std::move(bos_token)) {}

  std::string_view family() const override { return kFamily; }
  bool writes_bos() const override { return !bos_token_.empty(); }

  StatusOr<std::string> Render(std::span<const Message> messages,
                               const ChatTemplateOptions& options) const override {
    if (messages.empty()) {
      return InvalidArgumentError("chat (gemma3): the conversation is empty; provide at least one "
                                  "message");
    }
    std::string out = bos_token_;
    std::string first_user_prefix;
    size_t start = 0;
    if (messages[0].role == Role::kSystem) {
      first_user_prefix = messages[0].content + "\n\n";
      start = 1;
    }
    for (size_t i = start; i < messages.size(); ++i) {
      const Message& m = messages[i];
      const size_t index0 = i - start;
      if ((m.role == Role::kUser) != (index0 % 2 == 0)) {
        return InvalidArgumentError(
            "chat (gemma3): Conversation roles must alternate user/assistant/user/assistant/... "
            "(message " + std::to_string(i) + " has role '" + std::string(RoleName(m.role)) + "')");
      }
      out += "<start_of_turn>";
      out += m.role == Role::kAssistant ? std::string_view("model") : RoleName(m.role);
      out += '\n';
      if (index0 == 0) out += first_user_prefix;
      out += PyStrip(m.content);
      out += "<end_of_turn>\n";
    }
    if (options.add_generation_prompt) out += "<start_of_turn>model\n";
    return out;
  }

 private:
  std::string bos_token_;
};

bool IsGemma3(std::string_view jinja) { return ContainsAllOf(jinja, kMarkers); }

std::unique_ptr<ChatTemplate> CreateGemma3(const ChatTemplateSource& source) {
  return std::make_unique<Gemma3ChatTemplate>(std::string(source.bos_token));
}

const ChatTemplateRegistration kRegistration({.family = kFamily,
                                              .matches = IsGemma3,
                                              .create = CreateGemma3});

}  // namespace

}  // namespace litertlm
