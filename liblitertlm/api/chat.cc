// Public facade of include/litertlm/chat.h; the renderers live in tokenizer/chat_template*.cc
// (RoleName and the ChatTemplate base class in tokenizer/chat_template_base.cc).
#include <memory>
#include <string>
#include <utility>

#include "litertlm/chat.h"
#include "format/tokenizer_config.h"
#include "tokenizer/chat_template.h"
#include "util/status_macros.h"

namespace litertlm {

PromptTemplates PromptTemplates::ChatML() {
  PromptTemplates t;
  t.system = PromptAffix{"<|im_start|>system\n", "<|im_end|>\n"};
  t.user = {"<|im_start|>user\n", "<|im_end|>\n"};
  t.assistant = {"<|im_start|>assistant\n", "<|im_end|>\n"};
  return t;
}

PromptTemplates PromptTemplates::GemmaTurns() {
  PromptTemplates t;
  t.user = {"<start_of_turn>user\n", "<end_of_turn>\n"};
  t.assistant = {"<start_of_turn>model\n", "<end_of_turn>\n"};
  return t;
}

StatusOr<std::unique_ptr<ChatTemplate>> ChatTemplate::Create(std::string_view jinja_template,
                                                             std::string_view bos_token,
                                                             std::string_view eos_token) {
  return CreateChatTemplate(jinja_template, bos_token, eos_token);
}

StatusOr<std::unique_ptr<ChatTemplate>> ChatTemplate::FromTokenizerConfig(
    std::string_view json_text, const std::string& origin) {
  ASSIGN_OR_RETURN(const TokenizerConfig config, ParseTokenizerConfig(json_text, origin));
  if (!config.chat_template) {
    return NotFoundError(origin + ": no chat template (no 'chat_template' field, or a list of "
                                  "templates without one named 'default')");
  }
  StatusOr<std::unique_ptr<ChatTemplate>> tmpl =
      CreateChatTemplate(*config.chat_template, config.bos_text(), config.eos_text());
  if (!tmpl.ok()) return Status(tmpl.status().code(), origin + ": " + tmpl.status().message());
  return tmpl;
}

std::unique_ptr<ChatTemplate> ChatTemplate::FromPromptTemplates(PromptTemplates templates) {
  return NewPromptTemplatesChatTemplate(std::move(templates));
}

}  // namespace litertlm
