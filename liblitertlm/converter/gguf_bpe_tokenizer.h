// Rebuilds a Hugging Face tokenizer.json from a GGUF byte-level BPE vocabulary
// (tokenizer.ggml.model == "gpt2", as llama.cpp's convert_hf_to_gguf.py writes Qwen2/Qwen3,
// Llama 3, SmolLM, GPT-2 vocabularies):
//   - model: BPE over tokenizer.ggml.tokens (normal, byte, unknown and unused tokens; ids kept)
//     and tokenizer.ggml.merges, no unk token, no byte fallback; ignore_merges as the upstream
//     tokenizer of the `pre` family has it (Llama 3: true);
//   - added_tokens: every CONTROL (special) and USER_DEFINED (not special) token, matched on the
//     raw text (llama.cpp stores them un-normalized);
//   - normalizer / pre_tokenizer: chosen by tokenizer.ggml.pre, which names the upstream
//     tokenizer's split regex (llama.cpp src/llama-vocab.cpp keeps the same table): the regex
//     Split (behavior Isolated) followed by ByteLevel without its own regex, or ByteLevel with the
//     GPT-2 regex, plus the NFC normalizer Qwen2's tokenizer.json has (GGUF does not record it);
//   - post_processor: TemplateProcessing adding BOS / EOS when tokenizer.ggml.add_bos_token /
//     add_eos_token say so (absent: the family's default, as llama.cpp assumes), else ByteLevel;
//   - decoder: ByteLevel.
// The JSON is written with RapidJSON, loaded back with the library's HF tokenizer and checked to
// round-trip a few strings (and every special token to its id) before it is returned.
#ifndef LITERTLM_CONVERTER_GGUF_BPE_TOKENIZER_H_
#define LITERTLM_CONVERTER_GGUF_BPE_TOKENIZER_H_

#include <string>
#include <string_view>
#include <vector>

#include "format/gguf_vocab.h"
#include "litertlm/status.h"

namespace litertlm::converter {

// tokenizer.json text. UNIMPLEMENTED for a vocabulary that is not "gpt2"; INVALID_ARGUMENT
// (naming `origin` and the key) for an unknown tokenizer.ggml.pre value or an inconsistent
// vocabulary; FAILED_PRECONDITION when the rebuilt tokenizer does not round-trip.
StatusOr<std::string> BuildHfTokenizerJson(const GgufVocab& vocab, const std::string& origin);

// The tokenizer.ggml.pre values BuildHfTokenizerJson knows, for messages and documentation.
std::vector<std::string_view> SupportedBpePreTokenizers();

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_GGUF_BPE_TOKENIZER_H_
