// The tokenizer data a GGUF file carries (tokenizer.ggml.* and tokenizer.chat_template), as plain
// structs, so the converter can rebuild a tokenizer (a SentencePiece model for
// tokenizer.ggml.model == "llama", byte-level BPE for "gpt2").
#ifndef LITERTLM_FORMAT_GGUF_VOCAB_H_
#define LITERTLM_FORMAT_GGUF_VOCAB_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "format/gguf_reader.h"
#include "litertlm/status.h"

namespace litertlm {

// Token types, numbered as llama.cpp writes them (and as SentencePiece's ModelProto numbers its
// piece types).
enum class GgufTokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct GgufVocab {
  std::string model;                // tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (BPE)
  std::string pre;                  // tokenizer.ggml.pre (pre-tokenizer name), "" when absent
  std::vector<std::string> tokens;  // tokenizer.ggml.tokens; id = index
  std::vector<float> scores;        // tokenizer.ggml.scores; empty when absent, else tokens.size()
  std::vector<int32_t> token_types; // tokenizer.ggml.token_type (GgufTokenType values); same
  std::vector<std::string> merges;  // tokenizer.ggml.merges ("a b"), BPE models; may be empty
  // Special token ids; nullopt when absent. Validated to index `tokens`.
  std::optional<int32_t> bos_id, eos_id, unk_id, pad_id, sep_id, eot_id, eom_id, mask_id;
  std::optional<bool> add_bos, add_eos, add_sep, add_space_prefix;
  std::string chat_template;        // tokenizer.chat_template, "" when absent
};

// Reads the vocabulary. INVALID_ARGUMENT (naming the key) when tokens are missing, an array has
// the wrong element type or length, a token type is outside 1..6, or a special id is out of
// range.
StatusOr<GgufVocab> ReadGgufVocab(const GgufFile& gguf);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_GGUF_VOCAB_H_
