#include "tokenizer/chat_template.h"

#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "util/text_list.h"

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

namespace {

bool IsQwen3(std::string_view jinja) {
  return jinja == Qwen3AnswersOnlyJinjaTemplate() || ContainsAll(jinja, kQwen3Markers);
}

std::unique_ptr<ChatTemplate> CreateQwen3(std::string_view jinja, std::string_view /*bos_token*/) {
  return NewQwen3ChatTemplate(jinja == Qwen3AnswersOnlyJinjaTemplate() ? Qwen3History::kAnswersOnly
                                                                        : Qwen3History::kHuggingFace);
}

bool IsGemma3(std::string_view jinja) { return ContainsAll(jinja, kGemma3Markers); }

std::unique_ptr<ChatTemplate> CreateGemma3(std::string_view /*jinja*/, std::string_view bos_token) {
  return NewGemma3ChatTemplate(std::string(bos_token));
}

// Llama 3.0, or 3.1+ with the whole dated system block (a partial one is neither).
bool IsLlama3(std::string_view jinja) {
  return ContainsAll(jinja, kLlama3Markers) &&
         (ContainsAll(jinja, kLlama31Markers) || !ContainsAny(jinja, kLlama31Markers));
}

std::unique_ptr<ChatTemplate> CreateLlama3(std::string_view jinja, std::string_view bos_token) {
  if (!ContainsAll(jinja, kLlama31Markers)) return NewLlama3ChatTemplate(std::string(bos_token));
  if (jinja.find("strftime_now") != std::string_view::npos)
    return NewDatedLlama3ChatTemplate(std::string(bos_token), &LocalDateForChatTemplate);
  return NewDatedLlama3ChatTemplate(std::string(bos_token), [] { return std::string(kLlama31FixedDate); });
}

// A template family rendered natively: how its Jinja text is recognised and its renderer built.
struct NativeTemplateFamily {
  std::string_view name;  // what the renderer's family() returns
  bool (*matches)(std::string_view jinja);
  std::unique_ptr<ChatTemplate> (*create)(std::string_view jinja, std::string_view bos_token);
};

// Tried in this order; a new family is a row here and its renderer file.
constexpr NativeTemplateFamily kNativeFamilies[] = {
    {kQwen3TemplateFamily, IsQwen3, CreateQwen3},
    {kGemma3TemplateFamily, IsGemma3, CreateGemma3},
    {kLlama3TemplateFamily, IsLlama3, CreateLlama3},
};

const NativeTemplateFamily* FindNativeFamily(std::string_view jinja) {
  for (const NativeTemplateFamily& f : kNativeFamilies) {
    if (f.matches(jinja)) return &f;
  }
  return nullptr;
}

// "qwen3, gemma3 and llama3", for messages.
std::string NativeFamilyNames() {
  std::vector<std::string_view> names;
  for (const auto& f : kNativeFamilies) names.push_back(f.name);
  return JoinWithAnd(names);
}

}  // namespace

std::optional<std::string_view> DetectChatTemplateFamily(std::string_view jinja_template) {
  const NativeTemplateFamily* family = FindNativeFamily(jinja_template);
  if (family == nullptr) return std::nullopt;
  return family->name;
}

StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(std::string_view jinja_template,
                                                           std::string_view bos_token,
                                                           std::string_view /*eos_token*/) {
  if (jinja_template.empty()) return InvalidArgumentError("chat_template: the template is empty");
  const NativeTemplateFamily* family = FindNativeFamily(jinja_template);
  if (family == nullptr) {
    return UnimplementedError(
        "chat_template: unsupported chat template (liblitertlm renders the " + NativeFamilyNames() +
        " template families natively and found none's markers); use prompt templates "
        "(e.g. --no-chat-template) for this model");
  }
  return family->create(jinja_template, bos_token);
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
