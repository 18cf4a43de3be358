#include "tokenizer/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

namespace litertlm::hf {

std::string ReplaceAll(std::string_view text, std::string_view pattern, std::string_view content) {
  if (pattern.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(pattern, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(content);
    pos = hit + pattern.size();
  }
  out.append(text.substr(pos));
  return out;
}

StatusOr<std::string> RegexReplaceAll(std::string_view text, const Pcre2Regex& regex,
                                      std::string_view content) {
  std::vector<std::pair<size_t, size_t>> matches;
  Status s = regex.FindAll(text, &matches);
  if (!s.ok()) return s;
  std::string out;
  size_t pos = 0;
  for (const auto& [b, e] : matches) {
    out.append(text.substr(pos, b - pos));
    out.append(content);
    pos = e;
  }
  out.append(text.substr(pos));
  return out;
}

StatusOr<std::string> UnicodeNormalize(std::string_view text, NormalizerStep::Kind form) {
  if (text.empty()) return std::string();
  int options = UTF8PROC_STABLE;
  switch (form) {
    case NormalizerStep::Kind::kNfc: options |= UTF8PROC_COMPOSE; break;
    case NormalizerStep::Kind::kNfd: options |= UTF8PROC_DECOMPOSE; break;
    case NormalizerStep::Kind::kNfkc: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalizerStep::Kind::kNfkd: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    default: return InternalError("UnicodeNormalize: not a normalization form");
  }
  // Fast path: pure ASCII is invariant under every normalization form.
  bool ascii = true;
  for (unsigned char c : text) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::string(text);
  utf8proc_uint8_t* result = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &result,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) {
    return InvalidArgumentError(std::string("unicode normalization failed: ") +
                                utf8proc_errmsg(n));
  }
  std::string out(reinterpret_cast<char*>(result), static_cast<size_t>(n));
  std::free(result);
  return out;
}

StatusOr<std::string> Normalizer::Normalize(std::string_view text) const {
  std::string cur(text);
  for (const NormalizerStep& step : steps_) {
    switch (step.kind) {
      case NormalizerStep::Kind::kReplace:
        if (step.regex) {
          auto r = RegexReplaceAll(cur, *step.regex, step.content);
          if (!r.ok()) return r.status();
          cur = std::move(*r);
        } else {
          cur = ReplaceAll(cur, step.pattern, step.content);
        }
        break;
      case NormalizerStep::Kind::kPrepend:
        if (!cur.empty()) cur.insert(0, step.content);
        break;
      default: {
        auto r = UnicodeNormalize(cur, step.kind);
        if (!r.ok()) return r.status();
        cur = std::move(*r);
      }
    }
  }
  return cur;
}

}  // namespace litertlm::hf
