// The tokenizer.json `normalizer`: a chain of steps applied to each text segment that is not an
// added token (before pre-tokenization). Supported HF types: NFC, NFD, NFKC, NFKD (utf8proc),
// Replace (String or Regex pattern), Prepend, Sequence. Anything else is rejected at load time.
// Thread-safety: immutable after construction.
#ifndef LITERTLM_TOKENIZER_NORMALIZER_H_
#define LITERTLM_TOKENIZER_NORMALIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/status.h"
#include "tokenizer/pretokenizer_regex.h"

namespace litertlm::hf {

struct NormalizerStep {
  enum class Kind { kNfc, kNfd, kNfkc, kNfkd, kReplace, kPrepend };
  Kind kind = Kind::kNfc;
  std::string pattern;                          // kReplace with a String pattern
  std::shared_ptr<const Pcre2Regex> regex;      // kReplace with a Regex pattern
  std::string content;                          // kReplace replacement, kPrepend prefix
};

// Replaces every non-overlapping occurrence of `pattern` (left to right) by `content`.
std::string ReplaceAll(std::string_view text, std::string_view pattern, std::string_view content);
StatusOr<std::string> RegexReplaceAll(std::string_view text, const Pcre2Regex& regex,
                                      std::string_view content);

class Normalizer {
 public:
  explicit Normalizer(std::vector<NormalizerStep> steps) : steps_(std::move(steps)) {}
  bool empty() const { return steps_.empty(); }
  // `text` must be valid UTF-8; the result is valid UTF-8.
  StatusOr<std::string> Normalize(std::string_view text) const;

 private:
  std::vector<NormalizerStep> steps_;
};

// Unicode normalization of valid UTF-8 through utf8proc.
StatusOr<std::string> UnicodeNormalize(std::string_view text, NormalizerStep::Kind form);

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_NORMALIZER_H_
