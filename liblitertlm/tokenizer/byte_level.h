// GPT-2 byte-level mapping used by Hugging Face's ByteLevel pre-tokenizer and decoder: every byte
// 0..255 maps to one printable code point (bytes 0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF to themselves,
// the other 68 bytes in increasing order to U+0100...U+0143), so BPE runs over printable text.
// Thread-safety: the tables are immutable after the first call (function-local static).
#ifndef LITERTLM_TOKENIZER_BYTE_LEVEL_H_
#define LITERTLM_TOKENIZER_BYTE_LEVEL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace litertlm::hf {

// Appends the byte-level image of `bytes` (each byte → its code point, UTF-8 encoded) to `out`.
void AppendByteLevel(std::string_view bytes, std::string* out);

// Maps the code points of `token` back to bytes and appends them to `out`. Returns false (and
// appends nothing) when some code point is not in the byte-level alphabet.
bool AppendBytesFromByteLevel(std::string_view token, std::string* out);

// Appends `bytes` to `out`, replacing each maximal invalid UTF-8 subsequence with U+FFFD exactly
// as Rust's String::from_utf8_lossy does (Unicode "substitution of maximal subparts").
void AppendUtf8Lossy(std::string_view bytes, std::string* out);

// Length of the valid UTF-8 prefix of `bytes` (== bytes.size() when all of it is valid).
size_t ValidUtf8Prefix(std::string_view bytes);

// Decodes the code point at `s[*pos]` (valid UTF-8 assumed) and advances *pos.
char32_t NextCodePoint(std::string_view s, size_t* pos);
void AppendUtf8(char32_t cp, std::string* out);

}  // namespace litertlm::hf

#endif  // LITERTLM_TOKENIZER_BYTE_LEVEL_H_
