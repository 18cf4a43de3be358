// The tokenizer settings of a Hugging Face checkpoint directory, read once into a plain struct:
// tokenizer_config.json (chat template, BOS/EOS tokens) and chat_template.jinja (the chat template
// saved as a file of its own, as recent transformers releases write it). Every user of these files reads
// this struct: the engine (chat template and the bos_token/eos_token strings it sees), the
// tokenizer (BOS/EOS ids) and the converter (the template it stores in the .litertlm file).
#ifndef LITERTLM_FORMAT_TOKENIZER_CONFIG_H_
#define LITERTLM_FORMAT_TOKENIZER_CONFIG_H_

#include <optional>
#include <string>
#include <string_view>

#include "litertlm/status.h"

namespace litertlm {

// A special-token field of tokenizer_config.json ("bos_token", "eos_token"): a string or an
// AddedToken object {"content": ...}; null says the tokenizer has no such token.
struct SpecialTokenField {
  bool present = false;             // the field is in the file (a null value included)
  std::optional<std::string> text;  // the token's text; nullopt when absent or null
};

struct TokenizerConfig {
  // chat_template.jinja when the directory has one (transformers prefers it to the config's
  // field), else tokenizer_config.json's "chat_template": a string, or the entry named "default"
  // of a [{"name", "template"}] list. nullopt when neither holds one.
  std::optional<std::string> chat_template;
  std::string chat_template_origin;  // the file the template came from, for messages
  SpecialTokenField bos_token;
  SpecialTokenField eos_token;

  // The text the chat template sees as bos_token / eos_token ("" when there is none).
  std::string bos_text() const { return bos_token.text.value_or(""); }
  std::string eos_text() const { return eos_token.text.value_or(""); }
};

inline constexpr std::string_view kTokenizerConfigFile = "tokenizer_config.json";
inline constexpr std::string_view kChatTemplateFile = "chat_template.jinja";

// Parses the text of a tokenizer_config.json; `origin` (its path) prefixes errors:
// INVALID_ARGUMENT for malformed JSON and for a field of the wrong type, naming the field.
StatusOr<TokenizerConfig> ParseTokenizerConfig(std::string_view json_text, const std::string& origin);

// Reads `directory`'s tokenizer_config.json and chat_template.jinja. Either may be missing (its
// fields stay empty); errors name the file.
StatusOr<TokenizerConfig> ReadTokenizerConfig(const std::string& directory);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_TOKENIZER_CONFIG_H_
