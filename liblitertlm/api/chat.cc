// Public facade of include/litertlm/chat.h; the renderers live in tokenizer/chat_template*.cc
// (RoleName and the ChatTemplate base class in tokenizer/chat_template_base.cc).
#include <memory>
#include <string>
#include <utility>

#include "litertlm/chat.h"
#include "tokenizer/chat_template.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

// A special-token field of tokenizer_config.json: a string, an AddedToken object
// {"content": ...}, null or absent (→ "").
StatusOr<std::string> ReadTokenString(const rapidjson::Value& doc, const JsonObjectReader& config,
                                      const char* field) {
  auto it = doc.FindMember(field);
  if (it == doc.MemberEnd() || it->value.IsNull()) return std::string();
  if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
  if (!it->value.IsObject()) {
    return InvalidArgumentError(config.Where(field) + " must be a string, an object or null");
  }
  JsonObjectReader token(it->value, config.Where(field));
  return token.RequireString("content");
}

// `chat_template` as a string, or the "default" entry of a [{name, template}] list.
StatusOr<std::string> ReadChatTemplate(const rapidjson::Value& doc,
                                       const JsonObjectReader& config) {
  if (!config.Has("chat_template")) {
    return NotFoundError(config.origin() + ": no 'chat_template' field");
  }
  const rapidjson::Value& value = doc["chat_template"];
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  if (!value.IsArray()) {
    return InvalidArgumentError(config.Where("chat_template") + " must be a string or a list");
  }
  const rapidjson::Value* list = &value;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const rapidjson::Value& entry = (*list)[i];
    std::string where = config.Where("chat_template") + "[" + std::to_string(i) + "]";
    if (!entry.IsObject()) return InvalidArgumentError(where + " is not an object");
    JsonObjectReader named(entry, where);
    ASSIGN_OR_RETURN(std::string name, named.RequireString("name"));
    if (name == "default") return named.RequireString("template");
  }
  return NotFoundError(config.Where("chat_template") + " has no entry named 'default'");
}

}  // namespace

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
  ASSIGN_OR_RETURN(std::unique_ptr<rapidjson::Document> doc, ParseJson(json_text, origin));
  if (!doc->IsObject()) return InvalidArgumentError(origin + ": not a JSON object");
  JsonObjectReader config(*doc, origin);
  ASSIGN_OR_RETURN(std::string jinja, ReadChatTemplate(*doc, config));
  ASSIGN_OR_RETURN(std::string bos, ReadTokenString(*doc, config, "bos_token"));
  ASSIGN_OR_RETURN(std::string eos, ReadTokenString(*doc, config, "eos_token"));
  StatusOr<std::unique_ptr<ChatTemplate>> tmpl = CreateChatTemplate(jinja, bos, eos);
  if (!tmpl.ok()) return Status(tmpl.status().code(), origin + ": " + tmpl.status().message());
  return tmpl;
}

std::unique_ptr<ChatTemplate> ChatTemplate::FromPromptTemplates(PromptTemplates templates) {
  return NewPromptTemplatesChatTemplate(std::move(templates));
}

}  // namespace litertlm
