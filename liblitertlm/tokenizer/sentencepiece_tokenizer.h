// SentencePiece tokenizer (tokenizer.model, TokenizerKind::kSentencePiece). Defined by the
// SentencePiece module; the factory (tokenizer_factory.cc) dispatches to it.
#ifndef LITERTLM_TOKENIZER_SENTENCEPIECE_TOKENIZER_H_
#define LITERTLM_TOKENIZER_SENTENCEPIECE_TOKENIZER_H_

#include <memory>
#include <string>
#include <string_view>

#include "litertlm/tokenizer.h"

namespace litertlm {

// `bytes` is a serialized SentencePiece ModelProto; `origin` names it in errors.
StatusOr<std::unique_ptr<Tokenizer>> CreateSentencePieceTokenizer(std::string_view bytes,
                                                                  const std::string& origin);

}  // namespace litertlm

#endif  // LITERTLM_TOKENIZER_SENTENCEPIECE_TOKENIZER_H_
