#include "tokenizer/byte_level.h"

#include <array>

namespace litertlm::hf {
namespace {

struct ByteLevelTables {
  std::array<std::string, 256> byte_to_utf8;  // byte → UTF-8 of its code point
  std::array<int16_t, 0x144> cp_to_byte;      // code point (< 0x144) → byte, or -1
  ByteLevelTables() {
    cp_to_byte.fill(-1);
    int next = 0x100;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
      AppendUtf8(cp, &byte_to_utf8[b]);
      cp_to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const ByteLevelTables& Tables() {
  static const ByteLevelTables tables;
  return tables;
}

// The sequence a UTF-8 lead byte `c` (>= 0x80) starts: its length and the allowed range of the
// second byte (narrower after E0, ED, F0, F4; Unicode Table 3-7). False for bytes that cannot
// start a multi-byte sequence.
bool LeadByteRule(unsigned char c, size_t* len, unsigned char* lo, unsigned char* hi) {
  *lo = 0x80;
  *hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    *len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    *len = 3;
    if (c == 0xE0) *lo = 0xA0;
    if (c == 0xED) *hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    *len = 4;
    if (c == 0xF0) *lo = 0x90;
    if (c == 0xF4) *hi = 0x8F;
  } else {
    return false;
  }
  return true;
}

// Length of the UTF-8 sequence starting at s[i] if it is valid and complete, else 0.
size_t ValidSequenceLength(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (p[i] < 0x80) return 1;
  size_t len;
  unsigned char lo, hi;
  if (!LeadByteRule(p[i], &len, &lo, &hi)) return 0;
  if (i + 1 >= n || p[i + 1] < lo || p[i + 1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (i + k >= n || p[i + k] < 0x80 || p[i + k] > 0xBF) return 0;
  }
  return len;
}

// Length of the maximal subpart (a prefix of a valid sequence) starting at s[i]; at least 1.
size_t MaximalSubpartLength(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t len;
  unsigned char lo, hi;
  if (!LeadByteRule(p[i], &len, &lo, &hi)) return 1;
  size_t k = 1;
  if (i + 1 < n && p[i + 1] >= lo && p[i + 1] <= hi) {
    k = 2;
    while (k < len && i + k < n && p[i + k] >= 0x80 && p[i + k] <= 0xBF) ++k;
  }
  return k;
}

}  // namespace

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

char32_t NextCodePoint(std::string_view s, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = *pos;
  unsigned char c = p[i];
  if (c < 0x80 || i + 1 >= s.size()) {
    *pos = i + 1;
    return c;
  }
  if (c < 0xE0) {
    *pos = i + 2;
    return ((c & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
  }
  if (c < 0xF0 && i + 2 < s.size()) {
    *pos = i + 3;
    return ((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
  }
  if (i + 3 < s.size()) {
    *pos = i + 4;
    return ((c & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) |
           (p[i + 3] & 0x3Fu);
  }
  *pos = s.size();
  return 0xFFFD;
}

void AppendByteLevel(std::string_view bytes, std::string* out) {
  const ByteLevelTables& t = Tables();
  for (unsigned char b : bytes) out->append(t.byte_to_utf8[b]);
}

bool AppendBytesFromByteLevel(std::string_view token, std::string* out) {
  const ByteLevelTables& t = Tables();
  size_t start = out->size();
  size_t pos = 0;
  while (pos < token.size()) {
    char32_t cp = NextCodePoint(token, &pos);
    if (cp >= t.cp_to_byte.size() || t.cp_to_byte[cp] < 0) {
      out->resize(start);
      return false;
    }
    out->push_back(static_cast<char>(t.cp_to_byte[cp]));
  }
  return true;
}

size_t ValidUtf8Prefix(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    size_t len = ValidSequenceLength(bytes, i);
    if (len == 0) return i;
    i += len;
  }
  return i;
}

void AppendUtf8Lossy(std::string_view bytes, std::string* out) {
  size_t i = 0;
  while (i < bytes.size()) {
    size_t valid_end = i + ValidUtf8Prefix(bytes.substr(i));
    out->append(bytes.substr(i, valid_end - i));
    i = valid_end;
    if (i < bytes.size()) {
      out->append("\xEF\xBF\xBD");
      i += MaximalSubpartLength(bytes, i);
    }
  }
}

}  // namespace litertlm::hf
