#include "tokenizer/sentencepiece_normalizer.h"

#include <cstdint>

namespace litertlm::spm {
namespace {

bool IsTrail(unsigned char c) { return (c & 0xC0) == 0x80; }
bool IsValidCodepoint(uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF); }

// The next normalized unit of `input` (one character, or U+FFFD for an invalid byte) and how many
// input bytes it consumes.
std::string_view NextUnit(std::string_view input, size_t* consumed) {
  const size_t len = ValidUtf8CharLength(input);
  if (len == 0) {
    *consumed = 1;
    return kReplacementChar;
  }
  *consumed = len;
  return input.substr(0, len);
}

}  // namespace

size_t ValidUtf8CharLength(std::string_view s) {
  if (s.empty()) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (p[0] < 0x80) return 1;
  if (n >= 2 && (p[0] & 0xE0) == 0xC0) {
    const uint32_t cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    return IsTrail(p[1]) && cp >= 0x80 ? 2 : 0;
  }
  if (n >= 3 && (p[0] & 0xF0) == 0xE0) {
    const uint32_t cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return IsTrail(p[1]) && IsTrail(p[2]) && cp >= 0x800 && IsValidCodepoint(cp) ? 3 : 0;
  }
  if (n >= 4 && (p[0] & 0xF8) == 0xF0) {
    const uint32_t cp =
        ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    return IsTrail(p[1]) && IsTrail(p[2]) && IsTrail(p[3]) && cp >= 0x10000 && IsValidCodepoint(cp)
               ? 4
               : 0;
  }
  return 0;
}

void NormalizeIdentity(std::string_view input, const NormalizerFlags& flags, std::string* out) {
  const size_t start = out->size();
  size_t consumed = 0;
  if (flags.remove_extra_whitespaces) {  // drop leading spaces
    while (!input.empty() && input.front() == ' ') input.remove_prefix(1);
  }
  if (input.empty()) return;
  out->reserve(start + input.size() + input.size() / 2 + 3);
  if (flags.add_dummy_prefix) out->append(flags.escape_whitespaces ? kSpaceSymbol : " ");
  bool prev_space = flags.remove_extra_whitespaces;
  while (!input.empty()) {
    const std::string_view unit = NextUnit(input, &consumed);
    input.remove_prefix(consumed);
    if (unit == " ") {
      if (!prev_space) out->append(flags.escape_whitespaces ? kSpaceSymbol : " ");
      prev_space = flags.remove_extra_whitespaces;
      continue;
    }
    out->append(unit);
    prev_space = false;
  }
  if (flags.remove_extra_whitespaces) {  // drop trailing spaces
    const std::string_view space = flags.escape_whitespaces ? kSpaceSymbol : " ";
    while (out->size() >= start + space.size() &&
           std::string_view(*out).substr(out->size() - space.size()) == space) {
      out->resize(out->size() - space.size());
    }
  }
}

}  // namespace litertlm::spm
