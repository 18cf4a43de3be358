// Tokenizer for SentencePiece models (tokenizer.model), implemented natively: the model is parsed
// with libprotobuf through our schema subset and encoded by our own SentencePiece-BPE code, so the
// library never links libsentencepiece (whose bundled protobuf crashes next to libprotobuf).
//
// Encode: CONTROL and UNKNOWN pieces written in the text ("<bos>", "<start_of_turn>", "<unk>", …)
// are recognised first, leftmost-longest on the raw text, as Hugging Face tokenizers does with
// Gemma's added tokens; each plain segment in between is normalized (identity map + the
// add_dummy_prefix / remove_extra_whitespaces / escape_whitespaces flags) and BPE-encoded exactly
// as libsentencepiece encodes it (user-defined pieces matched greedily, byte fallback). Other
// model types (UNIGRAM, WORD, CHAR) are refused with UNIMPLEMENTED naming trainer_spec.model_type.
// add_special_tokens = true prepends the model's BOS piece when it has one.
//
// Decode: ▁ → space, runs of <0xNN> pieces reassembled into UTF-8 (an invalid byte → U+FFFD, as
// libsentencepiece does), the dummy-prefix space of the first piece dropped when the normalizer
// adds one. skip_special_tokens = false renders CONTROL/UNKNOWN pieces literally (Hugging Face
// style, so Decode(Encode(text)) == text for the identity-normalized Gemma models); true gives
// exactly libsentencepiece's DecodeIds (CONTROL pieces dropped, <unk> shown as the model's
// unk_surface).
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_TOKENIZER_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_TOKENIZER_H_

#include <memory>
#include <string>
#include <string_view>

#include "litertlm/status.h"
#include "litertlm/tokenizer.h"

namespace litertlm {

// `bytes`: the content of a tokenizer.model (copied; need not outlive the call). `origin` names it
// in error messages (a path, or e.g. "model.litertlm:tokenizer").
StatusOr<std::unique_ptr<Tokenizer>> CreateSentencePieceTokenizer(std::string_view bytes,
                                                                  const std::string& origin);

}  // namespace litertlm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_TOKENIZER_H_
