// The tokenizer.json `pre_tokenizer`: splits a normalized segment into the pieces BPE sees.
// Supported HF types: Split (String or Regex pattern; behaviors Removed, Isolated,
// MergedWithPrevious, MergedWithNext, Contiguous; invert), ByteLevel (add_prefix_space,
// use_regex with GPT-2's pattern; maps bytes to the byte-level alphabet), Sequence.
// Thread-safety: immutable after construction.
#ifndef LITERTLM_TOKENIZER_PRE_TOKENIZER_H_
#define LITERTLM_TOKENIZER_PRE_TOKENIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/status.h"
#include "tokenizer/pretokenizer_regex.h"

namespace litertlm::hf {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct PreTokenizerStep {
  enum class Kind { kSplit, kByteLevel };
  Kind kind = Kind::kSplit;
  // kSplit: a literal pattern, or `regex` when set.
  std::string literal;
  std::shared_ptr<const Pcre2Regex> regex;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  // kByteLevel
  bool add_prefix_space = false;
  std::shared_ptr<const Pcre2Regex> byte_level_regex;  // set when use_regex is true
};

// GPT-2's split pattern, used by ByteLevel when use_regex is true.
inline constexpr char kGpt2SplitPattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

class PreTokenizer {
 public:
  explicit PreTokenizer(std::vector<PreTokenizerStep> steps) : steps_(std::move(steps)) {}
  // Replaces `pieces` by the pre-tokenized pieces of `text` (valid UTF-8). Empty pieces are
  // dropped. With no steps, the whole text is one piece.
  Status Run(std::string_view text, std::vector<std::string>* pieces) const;

 private:
  std::vector<PreTokenizerStep> steps_;
};

// Splits `text` as HF's NormalizedString::split does; appends [begin, end) ranges of the kept
// pieces (possibly empty ones, which the caller drops). Exposed for tests.
Status SplitByPattern(std::string_view text, const PreTokenizerStep& step,
                      std::vector<std::pair<size_t, size_t>>* out);

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_PRE_TOKENIZER_H_
