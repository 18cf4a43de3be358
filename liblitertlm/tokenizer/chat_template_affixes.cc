// The prompt-template fallback: prefix + content + suffix per role (LiteRT-LM's prompt_templates
// metadata), for models without a supported Jinja chat template.
#include <memory>
#include <string>
#include <utility>

#include "tokenizer/chat_template.h"

namespace litertlm {
namespace {

class PromptTemplatesChatTemplate final : public ChatTemplate {
 public:
  explicit PromptTemplatesChatTemplate(PromptTemplates t) : t_(std::move(t)) {}

  std::string_view family() const override { return kPromptTemplatesFamily; }
  bool writes_bos() const override { return false; }

  // A system message without a system affix is held back and prepended (+ "\n\n") to the next user
  // turn's content; with no later user turn it is dropped, as Gemma3's own template does.
  StatusOr<std::string> Render(std::span<const Message> messages,
                               const ChatTemplateOptions& options) const override {
    if (messages.empty()) {
      return InvalidArgumentError("chat (prompt templates): the conversation is empty; provide at "
                                  "least one message");
    }
    std::string out = t_.start;
    std::string pending_system;
    for (const Message& m : messages) {
      switch (m.role) {
        case Role::kSystem:
          if (t_.system) {
            out += t_.system->prefix + m.content + t_.system->suffix;
          } else {
            pending_system += m.content + "\n\n";
          }
          break;
        case Role::kUser:
          out += t_.user.prefix + pending_system + m.content + t_.user.suffix;
          pending_system.clear();
          break;
        case Role::kAssistant:
          out += t_.assistant.prefix + m.content + t_.assistant.suffix;
          break;
      }
    }
    if (options.add_generation_prompt) out += t_.assistant.prefix;
    return out;
  }

 private:
  PromptTemplates t_;
};

}  // namespace

std::unique_ptr<ChatTemplate> NewPromptTemplatesChatTemplate(PromptTemplates templates) {
  return std::make_unique<PromptTemplatesChatTemplate>(std::move(templates));
}

}  // namespace litertlm
