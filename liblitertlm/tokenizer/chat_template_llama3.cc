// Native renderers of the Llama 3 instruct chat templates, restricted to string contents and no
// tools. Both mirror their Jinja source:
//  - Llama 3 (Meta-Llama-3-*-Instruct): `bos_token` before the first message, each message as
//    "<|start_header_id|>{role}<|end_header_id|>\n\n" + content | trim + "<|eot_id|>" (every
//    role, no alternation rule), and "<|start_header_id|>assistant<|end_header_id|>\n\n" as the
//    generation prompt;
//  - Llama 3.1 / 3.2 (dated): `bos_token`, then always a system turn "Cutting Knowledge Date:
//    December 2023\nToday Date: {date}\n\n" + the leading system message's content | trim, then
//    the other messages as above. {date} is "26 Jul 2024" (3.1) or, when the template calls
//    strftime_now (3.2), today's local date as "%d %b %Y", as transformers renders it.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/chat_template.h"

namespace litertlm {
namespace {

constexpr std::string_view kFamily = "llama3";

// Strings every Llama 3 template contains (chat_template.h: ChatTemplateRenderer::matches):
// Llama 3.0 instruct's. Llama 3.1+ templates hold these too, plus the dated system block
// (kDatedMarkers); 3.2 dates it with strftime_now.
constexpr std::array<std::string_view, 5> kMarkers = {
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "bos_token",
    "| trim",
};
constexpr std::array<std::string_view, 5> kDatedMarkers = {
    "Cutting Knowledge Date: December 2023\\n",
    "Today Date: ",
    "date_string",
    "system_message",
    "messages[1:]",
};
// Llama 3.1's date_string (its template has no strftime_now); 3.2's is strftime_now(kDateFormat).
constexpr std::string_view kLlama31Date = "26 Jul 2024";
constexpr std::string_view kDateFormat = "%d %b %Y";

void AppendTurn(std::string_view role, std::string_view content, std::string* out) {
  *out += "<|start_header_id|>";
  *out += role;
  *out += "<|end_header_id|>\n\n";
  *out += PyStrip(content);
  *out += "<|eot_id|>";
}

class Llama3ChatTemplate final : public ChatTemplate {
 public:
  // `date` null: the undated Llama 3 template; otherwise the dated 3.1+ one, asking `date` for
  // the "Today Date" text at each Render.
  Llama3ChatTemplate(std::string bos_token, std::function<std::string()> date)
      : bos_token_(std::move(bos_token)), date_(std::move(date)) {}

  std::string_view family() const override { return kFamily; }
  bool writes_bos() const override { return !bos_token_.empty(); }

  StatusOr<std::string> Render(std::span<const Message> messages,
                               const ChatTemplateOptions& options) const override {
    if (messages.empty()) {
      return InvalidArgumentError("chat (llama3): the conversation is empty; provide at least one "
                                  "message");
    }
    std::string out = bos_token_;
    size_t start = 0;
    if (date_) {
      std::string_view system;
      if (messages[0].role == Role::kSystem) {
        system = messages[0].content;
        start = 1;
      }
      out += "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n";
      out += "Today Date: " + date_() + "\n\n";
      out += PyStrip(system);
      out += "<|eot_id|>";
    }
    for (size_t i = start; i < messages.size(); ++i) AppendTurn(RoleName(messages[i].role), messages[i].content, &out);
    if (options.add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
  }

 private:
  std::string bos_token_;
  std::function<std::string()> date_;
};

// Llama 3.0, or 3.1+ with the whole dated system block (a partial one is neither).
bool IsLlama3(std::string_view jinja) {
  return ContainsAllOf(jinja, kMarkers) &&
         (ContainsAllOf(jinja, kDatedMarkers) || !ContainsAnyOf(jinja, kDatedMarkers));
}

std::unique_ptr<ChatTemplate> CreateLlama3(const ChatTemplateSource& source) {
  std::string bos(source.bos_token);
  if (!ContainsAllOf(source.jinja, kDatedMarkers)) {
    return std::make_unique<Llama3ChatTemplate>(std::move(bos), nullptr);
  }
  std::function<std::string()> date = [] { return std::string(kLlama31Date); };
  if (source.jinja.find("strftime_now") != std::string_view::npos) {
    date = [now = source.strftime_now] { return now ? now(kDateFormat) : StrftimeNow(kDateFormat); };
  }
  return std::make_unique<Llama3ChatTemplate>(std::move(bos), std::move(date));
}

const ChatTemplateRegistration kRegistration({.family = kFamily,
                                              .matches = IsLlama3,
                                              .create = CreateLlama3});

}  // namespace

}  // namespace litertlm
