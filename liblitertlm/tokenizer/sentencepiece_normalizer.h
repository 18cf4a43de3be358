// The SentencePiece normalizer for models with an identity normalization map (no
// precompiled_charsmap): what libsentencepiece's Normalizer::Normalize does with the
// add_dummy_prefix / remove_extra_whitespaces / escape_whitespaces flags. Invalid UTF-8 bytes
// become U+FFFD, one per byte, as in libsentencepiece. Pure function, thread-safe.
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_NORMALIZER_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_NORMALIZER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "tokenizer/sentencepiece_model.h"

namespace litertlm::spm {

inline constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";      // U+2581 "▁"
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 character at the start of `s` (1..4), or 0 when `s` does not start
// with one (libsentencepiece's IsValidDecodeUTF8: no overlongs, surrogates or > U+10FFFF).
size_t ValidUtf8CharLength(std::string_view s);

// Appends the normalized form of `input` to `out`.
void NormalizeIdentity(std::string_view input, const NormalizerFlags& flags, std::string* out);

}  // namespace litertlm::spm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_NORMALIZER_H_
