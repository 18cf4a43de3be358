#include "json_output.h"

#include <cmath>
#include <cstdio>

namespace litertlm::cli {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

std::string Number(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

}  // namespace

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const size_t n = Utf8Length(text, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
    ++i;
  }
  return out + "\"";
}

std::string AnswerJson(const GenerateResult& result, double load_seconds, uint64_t peak_memory_bytes) {
  const GenerationStats& s = result.stats;
  std::string out = "{\"text\": " + JsonString(result.text);
  out += ", \"finish_reason\": " + JsonString(FinishReasonName(result.finish_reason));
  out += ", \"prompt_tokens\": " + std::to_string(s.prompt_tokens);
  out += ", \"reused_tokens\": " + std::to_string(s.reused_tokens);
  out += ", \"generated_tokens\": " + std::to_string(s.generated_tokens);
  out += ", \"context_tokens\": " + std::to_string(s.context_tokens);
  out += ", \"dropped_messages\": " + std::to_string(s.dropped_messages);
  out += ", \"dropped_tokens\": " + std::to_string(s.dropped_tokens);
  out += ", \"stats\": {\"load_seconds\": " + Number(load_seconds);
  out += ", \"prefill_seconds\": " + Number(s.prefill_seconds);
  out += ", \"time_to_first_token_seconds\": " + Number(s.time_to_first_token_seconds);
  out += ", \"decode_seconds\": " + Number(s.decode_seconds);
  out += ", \"prefill_tokens_per_second\": " + Number(s.prefill_tokens_per_second);
  out += ", \"decode_tokens_per_second\": " + Number(s.decode_tokens_per_second);
  out += ", \"peak_memory_bytes\": " + std::to_string(peak_memory_bytes) + "}}";
  return out;
}

}  // namespace litertlm::cli
