// Native renderer of the Llama 3 instruct chat template (tokenizer_config.json of
// meta-llama/Meta-Llama-3-*-Instruct), restricted to string contents. Mirrors the Jinja source:
// `bos_token` before the first message, each message as
// "<|start_header_id|>{role}<|end_header_id|>\n\n" + content | trim + "<|eot_id|>" (every role,
// no alternation rule), and "<|start_header_id|>assistant<|end_header_id|>\n\n" as the
// generation prompt.
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/chat_template.h"

namespace litertlm {
namespace {

class Llama3ChatTemplate final : public ChatTemplate {
 public:
  explicit Llama3ChatTemplate(std::string bos_token) : bos_token_(std::move(bos_token)) {}

  ChatTemplateFamily family() const override { return ChatTemplateFamily::kLlama3; }
  bool writes_bos() const override { return !bos_token_.empty(); }

  StatusOr<std::string> Render(std::span<const Message> messages,
                               const ChatTemplateOptions& options) const override {
    if (messages.empty()) {
      return InvalidArgumentError("chat (llama3): the conversation is empty; provide at least one "
                                  "message");
    }
    std::string out = bos_token_;
    for (const Message& m : messages) {
      out += "<|start_header_id|>";
      out += RoleName(m.role);
      out += "<|end_header_id|>\n\n";
      out += PyStrip(m.content);
      out += "<|eot_id|>";
    }
    if (options.add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
  }

 private:
  std::string bos_token_;
};

}  // namespace

std::unique_ptr<ChatTemplate> NewLlama3ChatTemplate(std::string bos_token) {
  return std::make_unique<Llama3ChatTemplate>(std::move(bos_token));
}

}  // namespace litertlm
