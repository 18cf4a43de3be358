#include "tokenizer/decoder.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/normalizer.h"

namespace litertlm::hf {
namespace {

std::vector<std::string> ByteLevelChain(std::vector<std::string> tokens) {
  std::string bytes;
  for (const std::string& t : tokens) {
    if (!AppendBytesFromByteLevel(t, &bytes)) bytes.append(t);
  }
  std::string text;
  AppendUtf8Lossy(bytes, &text);
  return {std::move(text)};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `<0xXX>` → the byte (Rust's u8::from_str_radix accepts "+X" too), else -1.
int ByteOfToken(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  int hi = HexDigit(t[3]), lo = HexDigit(t[4]);
  if (t[3] == '+' && lo >= 0) return lo;
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

void FlushBytes(std::string* bytes, std::vector<std::string>* out) {
  if (bytes->empty()) return;
  if (ValidUtf8Prefix(*bytes) == bytes->size()) {
    out->push_back(*bytes);
  } else {
    for (size_t i = 0; i < bytes->size(); ++i) out->push_back("\xEF\xBF\xBD");
  }
  bytes->clear();
}

std::vector<std::string> ByteFallbackChain(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  std::string bytes;
  for (std::string& t : tokens) {
    int b = ByteOfToken(t);
    if (b >= 0) {
      bytes.push_back(static_cast<char>(b));
      continue;
    }
    FlushBytes(&bytes, &out);
    out.push_back(std::move(t));
  }
  FlushBytes(&bytes, &out);
  return out;
}

// HF's Strip decoder: drop up to `start` leading and `stop` trailing `content` characters.
// (Where HF's index arithmetic would panic — the cuts overlapping — the result is empty.)
std::string StripToken(const std::string& token, const DecoderStep& step) {
  std::vector<size_t> offsets;  // byte offset of each character
  std::vector<char32_t> chars;
  size_t pos = 0;
  while (pos < token.size()) {
    offsets.push_back(pos);
    chars.push_back(NextCodePoint(token, &pos));
  }
  offsets.push_back(token.size());
  size_t c_pos = 0;
  char32_t content = step.content.empty() ? 0 : NextCodePoint(step.content, &c_pos);
  size_t start_cut = 0;
  while (start_cut < chars.size() && start_cut < step.start && chars[start_cut] == content)
    ++start_cut;
  size_t stop_cut = chars.size();
  for (size_t i = 0; i < step.stop && i < chars.size(); ++i) {
    if (chars[chars.size() - 1 - i] != content) break;
    stop_cut = chars.size() - 1 - i;
  }
  if (stop_cut <= start_cut) return std::string();
  return token.substr(offsets[start_cut], offsets[stop_cut] - offsets[start_cut]);
}

}  // namespace

StatusOr<std::string> Decoder::Decode(std::vector<std::string> tokens) const {
  if (!present_) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out.push_back(' ');
      out.append(tokens[i]);
    }
    return out;
  }
  for (const DecoderStep& step : steps_) {
    switch (step.kind) {
      case DecoderStep::Kind::kByteLevel:
        tokens = ByteLevelChain(std::move(tokens));
        break;
      case DecoderStep::Kind::kByteFallback:
        tokens = ByteFallbackChain(std::move(tokens));
        break;
      case DecoderStep::Kind::kFuse: {
        std::string all;
        for (const std::string& t : tokens) all.append(t);
        tokens.assign(1, std::move(all));
        break;
      }
      case DecoderStep::Kind::kReplace:
        for (std::string& t : tokens) {
          if (step.regex) {
            auto r = RegexReplaceAll(t, *step.regex, step.content);
            if (!r.ok()) return r.status();
            t = std::move(*r);
          } else {
            t = ReplaceAll(t, step.pattern, step.content);
          }
        }
        break;
      case DecoderStep::Kind::kStrip:
        for (std::string& t : tokens) t = StripToken(t, step);
        break;
    }
  }
  std::string out;
  for (const std::string& t : tokens) out.append(t);
  return out;
}

}  // namespace litertlm::hf
