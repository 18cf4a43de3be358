#include "tokenizer/chat_template.h"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "util/text_list.h"

namespace litertlm {
namespace {

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

// The registered rows, sorted by family name. A function-local static, so rows registered
// from other files' static initialisers find it constructed whatever the initialisation order.
std::vector<ChatTemplateRenderer>& Registry() {
  static std::vector<ChatTemplateRenderer> rows;
  return rows;
}

const ChatTemplateRenderer* FindRenderer(std::string_view jinja) {
  for (const ChatTemplateRenderer& r : ChatTemplateRenderers()) {
    if (r.matches(jinja)) return &r;
  }
  return nullptr;
}

// "gemma3, llama3 and qwen3", for messages.
std::string RendererNames() {
  std::vector<std::string_view> names;
  for (const ChatTemplateRenderer& r : ChatTemplateRenderers()) names.push_back(r.family);
  return JoinWithAnd(names);
}

}  // namespace

ChatTemplateRegistration::ChatTemplateRegistration(const ChatTemplateRenderer& renderer) {
  std::vector<ChatTemplateRenderer>& rows = Registry();
  auto by_name = [](std::string_view name, const ChatTemplateRenderer& r) { return name < r.family; };
  rows.insert(std::upper_bound(rows.begin(), rows.end(), renderer.family, by_name), renderer);
}

std::span<const ChatTemplateRenderer> ChatTemplateRenderers() { return Registry(); }

bool ContainsAllOf(std::string_view text, std::span<const std::string_view> markers) {
  for (std::string_view m : markers) {
    if (text.find(m) == std::string_view::npos) return false;
  }
  return true;
}

bool ContainsAnyOf(std::string_view text, std::span<const std::string_view> markers) {
  for (std::string_view m : markers) {
    if (text.find(m) != std::string_view::npos) return true;
  }
  return false;
}

std::string StrftimeNow(std::string_view format) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  const std::string fmt(format);
  char buf[128];
  const size_t n = std::strftime(buf, sizeof(buf), fmt.c_str(), &local);
  return std::string(buf, n);
}

std::optional<std::string_view> DetectChatTemplateFamily(std::string_view jinja_template) {
  const ChatTemplateRenderer* renderer = FindRenderer(jinja_template);
  if (renderer == nullptr) return std::nullopt;
  return renderer->family;
}

StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(const ChatTemplateSource& source) {
  if (source.jinja.empty()) return InvalidArgumentError("chat_template: the template is empty");
  const ChatTemplateRenderer* renderer = FindRenderer(source.jinja);
  if (renderer == nullptr) {
    return UnimplementedError(
        "chat_template: unsupported chat template (liblitertlm renders the " + RendererNames() +
        " template families natively and found none's markers); use prompt templates "
        "(e.g. --no-chat-template) for this model");
  }
  return renderer->create(source);
}

StatusOr<std::unique_ptr<ChatTemplate>> CreateChatTemplate(std::string_view jinja_template,
                                                           std::string_view bos_token,
                                                           std::string_view eos_token) {
  return CreateChatTemplate(
      ChatTemplateSource{.jinja = jinja_template, .bos_token = bos_token, .eos_token = eos_token});
}

std::string ConvertedChatTemplate(std::string_view jinja_template) {
  const ChatTemplateRenderer* renderer = FindRenderer(jinja_template);
  if (renderer != nullptr && renderer->converted_template != nullptr) {
    return std::string(renderer->converted_template());
  }
  return std::string(jinja_template);
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
