// The tokenizer.json `decoder`: turns token strings back into text, as Hugging Face's decoders'
// decode_chain do. Supported types: ByteLevel, Replace (String or Regex), ByteFallback, Fuse,
// Strip, Sequence. Without a decoder, tokens are joined with single spaces (HF behaviour).
// Thread-safety: immutable after construction.
#ifndef LITERTLM_TOKENIZER_DECODER_H_
#define LITERTLM_TOKENIZER_DECODER_H_

#include <memory>
#include <string>
#include <vector>

#include "litertlm/status.h"
#include "tokenizer/pretokenizer_regex.h"

namespace litertlm::hf {

struct DecoderStep {
  enum class Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip };
  Kind kind = Kind::kFuse;
  std::string pattern;                      // kReplace (String)
  std::shared_ptr<const Pcre2Regex> regex;  // kReplace (Regex)
  std::string content;                      // kReplace replacement; kStrip: the character
  size_t start = 0;                         // kStrip
  size_t stop = 0;                          // kStrip
};

class Decoder {
 public:
  // `present` is false when the file has `"decoder": null`.
  Decoder(bool present, std::vector<DecoderStep> steps)
      : present_(present), steps_(std::move(steps)) {}
  StatusOr<std::string> Decode(std::vector<std::string> tokens) const;

 private:
  bool present_;
  std::vector<DecoderStep> steps_;
};

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_DECODER_H_
