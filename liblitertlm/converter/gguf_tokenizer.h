// Rebuilds a SentencePiece tokenizer.model (our schema, tokenizer/sentencepiece_model.proto) from
// a GGUF vocabulary (tokenizer.ggml.model == "llama"): pieces, scores, piece types, special ids,
// BPE with byte fallback when the vocabulary has BYTE pieces, add_dummy_prefix from
// tokenizer.ggml.add_space_prefix. The result is loaded back with the library's SentencePiece
// tokenizer and checked to round-trip a few strings before it is returned.
//
// Gemma (the only SentencePiece family we convert from GGUF) splits digits, does not split on
// whitespace and allows whitespace-only pieces; GGUF does not record these flags, so they are
// set as the upstream Gemma 3 tokenizer.model has them (tests/tools/make_gemma3_spm_model.py
// documents the derivation).
#ifndef LITERTLM_CONVERTER_GGUF_TOKENIZER_H_
#define LITERTLM_CONVERTER_GGUF_TOKENIZER_H_

#include <string>

#include "format/gguf_vocab.h"
#include "litertlm/status.h"

namespace litertlm::converter {

// Serialized ModelProto. UNIMPLEMENTED for non-SentencePiece vocabularies (byte-level "gpt2"
// vocabularies are rebuilt as a tokenizer.json instead: converter/gguf_bpe_tokenizer.h);
// INVALID_ARGUMENT (naming `origin`) for inconsistent ones; FAILED_PRECONDITION when the rebuilt
// tokenizer does not round-trip.
StatusOr<std::string> BuildSentencePieceModel(const GgufVocab& vocab, const std::string& origin);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_GGUF_TOKENIZER_H_
