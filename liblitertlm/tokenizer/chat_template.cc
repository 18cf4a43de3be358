#include "tokenizer/chat_template.h"

#include <array>
#include <cstdint>
#include <string>

namespace litertlm {
namespace {

// Strings every template of a family contains (all must occur). They pin down the behaviours the
// native renderers implement, so a look-alike template with different logic is not taken for it.
constexpr std::array<std::string_view, 5> kQwen3Markers = {
    "<|im_start|>",
    "</think>",
    "last_query_index",
    "enable_thinking is defined and enable_thinking is false",
    "<think>\\n\\n</think>\\n\\n",
};
constexpr std::array<std::string_view, 5> kGemma3Markers = {
    "<start_of_turn>",
    "bos_token",
    "first_user_prefix",
    "Conversation roles must alternate user/assistant/user/assistant/...",
    "| trim",
};

// Llama 3.0 instruct. Llama 3.1+ templates hold these too, plus the dated system block
// (kLlama31Markers); 3.2 dates it with strftime_now.
constexpr std::array<std::string_view, 5> kLlama3Markers = {
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "bos_token",
    "| trim",
};
constexpr std::array<std::string_view, 5> kLlama31Markers = {
    "Cutting Knowledge Date: December 2023\\n",
    "Today Date: ",
    "date_string",
    "system_message",
    "messages[1:]",
};
constexpr std::string_view kLlama31FixedDate = "26 Jul 2024";

template <size_t N>
bool ContainsAny(std::string_view text, const std::array<std::string_view, N>& markers) {
  for (std::string_view m : markers) {
    if (text.find(m) != std::string_view::npos) return true;
  }
  return false;
}

template <size_t N>
bool ContainsAll(std::string_view text, const std::array<std::string_view, N>& markers) {
  for (std::string_view m : markers) {
    if (text.find(m) == std::string_view::npos) return false;
  }
  return true;
}

bool IsPySpace(uint32_t cp) {
  if (cp <= 0x20) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  if (cp == 0x85 || cp == 0xA0 || cp == 0x1680) return true;
  if (cp >= 0x2000 && cp <= 0x200A) return true;
  return cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Decodes the UTF-8 sequence at s[pos]; returns its length (0 when malformed).
size_t DecodeUtf8(std::string_view s, size_t pos, uint32_t* cp) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[pos + i]); };
  const size_t left = s.size() - pos;
  const uint8_t c0 = b(0);
  size_t len;
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  } else if ((c0 & 0xE0) == 0xC0) {
    len = 2;
    *cp = c0 & 0x1F;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3;
    *cp = c0 & 0x0F;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4;
    *cp = c0 & 0x07;
  } else {
    return 0;
  }
  if (left < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b(i) & 0x3F);
  }
  return len;
}

}  // namespace

std::optional<ChatTemplateFamily> DetectChatTemplateFamily(std::string_view jinja_template) {
  if (jinja_template == Qwen3AnswersOnlyJinjaTemplate()) return ChatTemplateFamily::kQwen3;
  if (ContainsAll(jinja_template, kQwen3Markers)) return ChatTemplateFamily::kQwen3;
  if (ContainsAll(jinja_template, kGemma3Markers)) return ChatTemplateFamily::kGemma3;
  if (ContainsAll(jinja_template, kLlama3Markers) &&
      (ContainsAll(jinja_template, kLlama31Markers) || !ContainsAny(jinja_template, kLlama31Markers)))
    return ChatTemplateFamily::kLlama3;
  return std::nullopt;
}

StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(std::string_view jinja_template,
                                                           std::string_view bos_token,
                                                           std::string_view /*eos_token*/) {
  if (jinja_template.empty()) return InvalidArgumentError("chat_template: the template is empty");
  std::optional<ChatTemplateFamily> family = DetectChatTemplateFamily(jinja_template);
  if (!family) {
    return UnimplementedError(
        "chat_template: unsupported chat template (liblitertlm renders the Qwen3, Gemma3 and "
        "Llama 3 template families natively and found none's markers); use prompt templates "
        "(e.g. --no-chat-template) for this model");
  }
  switch (*family) {
    case ChatTemplateFamily::kQwen3:
      return NewQwen3ChatTemplate(jinja_template == Qwen3AnswersOnlyJinjaTemplate()
                                      ? Qwen3History::kAnswersOnly
                                      : Qwen3History::kHuggingFace);
    case ChatTemplateFamily::kGemma3:
      return NewGemma3ChatTemplate(std::string(bos_token));
    case ChatTemplateFamily::kLlama3:
      if (!ContainsAll(jinja_template, kLlama31Markers)) return NewLlama3ChatTemplate(std::string(bos_token));
      if (jinja_template.find("strftime_now") != std::string_view::npos)
        return NewDatedLlama3ChatTemplate(std::string(bos_token), &LocalDateForChatTemplate);
      return NewDatedLlama3ChatTemplate(std::string(bos_token), [] { return std::string(kLlama31FixedDate); });
    case ChatTemplateFamily::kPromptTemplates:
      break;
  }
  return InternalError("chat_template: unexpected template family");
}

std::string_view PyStrip(std::string_view s) {
  // Leading.
  size_t begin = 0;
  while (begin < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, begin, &cp);
    if (len == 0 || !IsPySpace(cp)) break;
    begin += len;
  }
  // Trailing: step back to the start of the last code point.
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80 && end - start < 4) {
      --start;
    }
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, start, &cp);
    if (len != end - start || !IsPySpace(cp)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

std::string_view PyLStripChar(std::string_view s, char c) {
  size_t i = s.find_first_not_of(c);
  return i == std::string_view::npos ? std::string_view() : s.substr(i);
}

std::string_view PyRStripChar(std::string_view s, char c) {
  size_t i = s.find_last_not_of(c);
  return i == std::string_view::npos ? std::string_view() : s.substr(0, i + 1);
}

std::string_view PyStripChar(std::string_view s, char c) {
  return PyRStripChar(PyLStripChar(s, c), c);
}

}  // namespace litertlm
