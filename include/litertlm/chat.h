// File: litertlm/chat.h
// Chat templates: turn a conversation into the prompt text a chat model was trained on, exactly as
// Hugging Face transformers' `tokenizer.apply_chat_template(messages, tokenize=False,
// add_generation_prompt=..., enable_thinking=...)` renders it.
//
//   auto tmpl = litertlm::ChatTemplate::Create(jinja_text, /*bos_token=*/"<bos>", "<end_of_turn>");
//   std::vector<litertlm::Message> chat = {{litertlm::Role::kSystem, "Be terse."},
//                                          {litertlm::Role::kUser, "Hi"}};
//   auto prompt = (*tmpl)->Render(chat);  // "<bos><start_of_turn>user\nBe terse.\n\nHi<end_of_turn>\n..."
//   // Tokenize `prompt` WITHOUT adding special tokens when (*tmpl)->writes_bos() is true.
//
// How templates are evaluated: liblitertlm does not interpret Jinja. It recognises the template
// families it implements natively from the template text and renders them in C++. Families are
// named by strings (ChatTemplate::family()): a new family is a new name, not a new API.
//   - "qwen3":  the Qwen3 template (`<|im_start|>` turns, `<think>` reasoning, `enable_thinking`);
//               also the Qwen3 template liblitertlm's converter stores in .litertlm files, which
//               renders every assistant turn as its answer alone (no <think> block) wherever it
//               stands (liblitertlm/format/LITERTLM_FORMAT.md says why);
//   - "gemma3": the Gemma3 instruction-tuned template (`<start_of_turn>` turns, system prompt
//               folded into the first user turn, `assistant` written as `model`, contents trimmed);
//   - "llama3": the Llama 3 instruct templates (`<|start_header_id|>{role}<|end_header_id|>\n\n`
//               turns ending in `<|eot_id|>`, contents trimmed); 3.1+ also open with a system turn
//               "Cutting Knowledge Date: December 2023\nToday Date: …" (3.2: today's local date).
// Any other template is UNIMPLEMENTED (the message says so); models without a usable template can
// use FromPromptTemplates() (prefix/suffix per role, as in LiteRT-LM's prompt_templates metadata).
// Not supported (transformers features outside this API): tools / tool calls / `tool` messages,
// multi-part (list) contents and images, `reasoning_content` fields, `continue_final_message`.
//
// Thread-safety: a ChatTemplate is immutable; Render may be called from many threads at once.
#ifndef LITERTLM_CHAT_H_
#define LITERTLM_CHAT_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "litertlm/export.h"
#include "litertlm/status.h"

namespace litertlm {

enum class Role { kSystem = 0, kUser = 1, kAssistant = 2 };

// "system", "user", "assistant" (the role names templates see).
LITERTLM_API std::string_view RoleName(Role role);

struct Message {
  Role role = Role::kUser;
  std::string content;  // UTF-8 text; may be empty
};

struct ChatTemplateOptions {
  // Append the opening of an assistant turn so the model writes the answer next.
  bool add_generation_prompt = true;
  // Qwen3 only (ignored by other families): nullopt or true let the model think (it writes its own
  // <think> block); false appends an empty "<think>\n\n</think>\n\n" to the generation prompt, which
  // is how Qwen3 turns thinking off. Like the template, only an explicit false changes anything.
  std::optional<bool> enable_thinking;
};

// One role's wrapping in a prompt-template fallback: prefix + content + suffix.
struct PromptAffix {
  std::string prefix;
  std::string suffix;
};

// Prefix/suffix pairs per role, for models without a (supported) Jinja chat template.
struct PromptTemplates {
  // Written once before the first turn. Leave empty when the tokenizer adds BOS as a token.
  std::string start;
  // nullopt: the model has no system role; the system message's content + "\n\n" is prepended to
  // the first user turn's content (the Gemma convention).
  std::optional<PromptAffix> system;
  PromptAffix user;
  PromptAffix assistant;

  // ChatML: "<|im_start|>{role}\n" … "<|im_end|>\n" for system, user and assistant.
  LITERTLM_API static PromptTemplates ChatML();
  // Gemma turns: "<start_of_turn>user\n" … "<end_of_turn>\n", assistant as "model", no system
  // role (folded into the first user turn).
  LITERTLM_API static PromptTemplates GemmaTurns();
};

class LITERTLM_API ChatTemplate {
 public:
  virtual ~ChatTemplate();

  // Recognises the family of the Jinja template text `jinja_template` (the `chat_template` of a
  // tokenizer_config.json or of the model metadata). `bos_token`/`eos_token` are the strings the
  // template sees as `bos_token`/`eos_token` (transformers passes the tokenizer's; pass "" when it
  // has none). INVALID_ARGUMENT for an empty template, UNIMPLEMENTED for a template of an
  // unsupported family.
  static StatusOr<std::unique_ptr<ChatTemplate>> Create(std::string_view jinja_template,
                                                        std::string_view bos_token = "",
                                                        std::string_view eos_token = "");
  // Reads `chat_template` (a string, or a list of {name, template} from which "default" is used),
  // `bos_token` and `eos_token` (strings or {"content": ...} objects, null = none) from the text
  // of a tokenizer_config.json and calls Create(). `origin` (e.g. the file path) prefixes errors;
  // NOT_FOUND when the file has no chat_template (or a list without a "default" one). A checkpoint
  // directory may also hold its template as chat_template.jinja, which Engine::Create prefers.
  static StatusOr<std::unique_ptr<ChatTemplate>> FromTokenizerConfig(std::string_view json_text,
                                                                     const std::string& origin);
  // A fallback renderer from prefix/suffix pairs (always succeeds).
  static std::unique_ptr<ChatTemplate> FromPromptTemplates(PromptTemplates templates);

  // The family the template was recognised as: "qwen3", "gemma3", "llama3" (see above; later
  // releases may add names), or "prompt_templates" for FromPromptTemplates() (plain prefix/suffix
  // per role).
  virtual std::string_view family() const = 0;

  // True when rendered prompts begin with the BOS token text (Gemma3 writes "<bos>" itself): the
  // caller must then tokenize with add_special_tokens=false, or the prompt gets two BOS tokens.
  virtual bool writes_bos() const = 0;

  // Renders `messages`. INVALID_ARGUMENT for an empty conversation and for conversations the
  // template rejects (Gemma3: roles must alternate user/assistant after an optional leading system
  // message); the message names the offending message index.
  // Multi-turn caveat (Qwen3): re-rendering a history drops the <think> blocks of assistant turns
  // before the last user message, so the new prompt is not an extension of the tokens already in
  // a session's KV cache — reuse the cache only up to the longest common token prefix.
  virtual StatusOr<std::string> Render(std::span<const Message> messages,
                                       const ChatTemplateOptions& options = {}) const = 0;

 protected:
  ChatTemplate() = default;
};

}  // namespace litertlm

#endif  // LITERTLM_CHAT_H_
