#include "format/tokenizer_config.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "util/json.h"
#include "util/mapped_file.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;

StatusOr<SpecialTokenField> ReadSpecialToken(const rapidjson::Value& doc, const JsonObjectReader& config,
                                             const char* field) {
  SpecialTokenField token;
  auto it = doc.FindMember(field);
  if (it == doc.MemberEnd()) return token;
  token.present = true;
  const rapidjson::Value& value = it->value;
  if (value.IsNull()) return token;
  if (value.IsString()) {
    token.text = std::string(value.GetString(), value.GetStringLength());
    return token;
  }
  if (!value.IsObject()) {
    return InvalidArgumentError(config.Where(field) + " must be a string, an object or null");
  }
  JsonObjectReader added_token(value, config.Where(field));
  ASSIGN_OR_RETURN(token.text, added_token.RequireString("content"));
  return token;
}

// "chat_template": a string, or the "default" entry of a [{name, template}] list (nullopt when
// the list has none: transformers then has no template to apply without a name).
StatusOr<std::optional<std::string>> ReadChatTemplateField(const rapidjson::Value& doc,
                                                           const JsonObjectReader& config) {
  if (!config.Has("chat_template")) return std::optional<std::string>();
  const rapidjson::Value& value = doc["chat_template"];
  if (value.IsString()) return std::optional<std::string>(std::in_place, value.GetString(), value.GetStringLength());
  if (!value.IsArray()) {
    return InvalidArgumentError(config.Where("chat_template") + " must be a string or a list");
  }
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    const rapidjson::Value& entry = value[i];
    const std::string where = config.Where("chat_template") + "[" + std::to_string(i) + "]";
    if (!entry.IsObject()) return InvalidArgumentError(where + " is not an object");
    JsonObjectReader named(entry, where);
    ASSIGN_OR_RETURN(std::string name, named.RequireString("name"));
    if (name == "default") {
      ASSIGN_OR_RETURN(std::string text, named.RequireString("template"));
      return std::optional<std::string>(std::move(text));
    }
  }
  return std::optional<std::string>();
}

StatusOr<std::string> ReadText(const fs::path& path) {
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path.string()));
  return std::string(reinterpret_cast<const char*>(file.data()), file.size());
}

}  // namespace

StatusOr<TokenizerConfig> ParseTokenizerConfig(std::string_view json_text, const std::string& origin) {
  ASSIGN_OR_RETURN(std::unique_ptr<rapidjson::Document> doc, ParseJson(json_text, origin));
  if (!doc->IsObject()) return InvalidArgumentError(origin + ": not a JSON object");
  const rapidjson::Value& root = *doc;  // const iterators (non-const ones trip clang's C++20 checks)
  JsonObjectReader config(root, origin);
  TokenizerConfig out;
  ASSIGN_OR_RETURN(out.chat_template, ReadChatTemplateField(root, config));
  if (out.chat_template) out.chat_template_origin = origin;
  ASSIGN_OR_RETURN(out.bos_token, ReadSpecialToken(root, config, "bos_token"));
  ASSIGN_OR_RETURN(out.eos_token, ReadSpecialToken(root, config, "eos_token"));
  return out;
}

StatusOr<TokenizerConfig> ReadTokenizerConfig(const std::string& directory) {
  const fs::path dir(directory);
  const fs::path config_path = dir / kTokenizerConfigFile;
  const fs::path jinja_path = dir / kChatTemplateFile;
  std::error_code ec;
  TokenizerConfig out;
  if (fs::is_regular_file(config_path, ec)) {
    ASSIGN_OR_RETURN(std::string text, ReadText(config_path));
    ASSIGN_OR_RETURN(out, ParseTokenizerConfig(text, config_path.string()));
  }
  if (fs::is_regular_file(jinja_path, ec)) {
    ASSIGN_OR_RETURN(out.chat_template, ReadText(jinja_path));
    out.chat_template_origin = jinja_path.string();
  }
  return out;
}

}  // namespace litertlm
