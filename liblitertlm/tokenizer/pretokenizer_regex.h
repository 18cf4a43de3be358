// A compiled PCRE2 regular expression (UTF + UCP mode, JIT when available) used by the
// tokenizer.json Split pre-tokenizer, Replace normalizer/decoder and the ByteLevel regex.
// Patterns come from the tokenizer file (written for Oniguruma); `\s` / `\S` outside character
// classes, and `\s` inside them, are rewritten to the Unicode White_Space set Oniguruma uses
// (PCRE2's UCP `\s` also matches U+180E).
// Thread-safety: immutable after Compile(); FindAll may run concurrently (per-call match data).
#ifndef LITERTLM_TOKENIZER_PRETOKENIZER_REGEX_H_
#define LITERTLM_TOKENIZER_PRETOKENIZER_REGEX_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "litertlm/status.h"

namespace litertlm::hf {

class Pcre2Regex {
 public:
  // `where` names the pattern's origin (file: field) in errors.
  static StatusOr<std::shared_ptr<const Pcre2Regex>> Compile(std::string_view pattern,
                                                             const std::string& where);
  ~Pcre2Regex();
  Pcre2Regex(const Pcre2Regex&) = delete;
  Pcre2Regex& operator=(const Pcre2Regex&) = delete;

  // Appends the [begin, end) byte ranges of all non-overlapping matches in `text` (valid UTF-8),
  // left to right. After an empty match the search resumes one character later.
  Status FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>* matches) const;

  // The pattern actually compiled (after the \s rewrite); for tests.
  const std::string& compiled_pattern() const { return pattern_; }

 private:
  Pcre2Regex() = default;
  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
  std::string pattern_;
  std::string where_;
};

// Rewrites Oniguruma-style `\s`/`\S` as described above. Exposed for tests.
std::string RewriteWhitespaceClasses(std::string_view pattern);

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_PRETOKENIZER_REGEX_H_
