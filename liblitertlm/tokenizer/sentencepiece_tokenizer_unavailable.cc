// Placeholder definition of CreateSentencePieceTokenizer for builds without the SentencePiece
// module. DELETE this file when tokenizer/sentencepiece_tokenizer.cc (the real implementation)
// is merged: both define the same function, so keeping both fails to link.
#include "tokenizer/sentencepiece_tokenizer.h"

namespace litertlm {

StatusOr<std::unique_ptr<Tokenizer>> CreateSentencePieceTokenizer(std::string_view /*bytes*/,
                                                                  const std::string& origin) {
  return UnimplementedError(origin + ": SentencePiece tokenizer.model is not supported by this build");
}

}  // namespace litertlm
