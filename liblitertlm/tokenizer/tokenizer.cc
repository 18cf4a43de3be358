// Tokenizer factory (branch tokspm: SentencePiece only). The tokenizer.json path, the complete
// factory and StreamDecoder belong to the tokbpe branch; when merging, keep tokbpe's version of
// this file and make its kSentencePiece case call CreateSentencePieceTokenizer().
#include "litertlm/tokenizer.h"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/sentencepiece_tokenizer.h"
#include "util/mapped_file.h"
#include "util/status_macros.h"

namespace litertlm {

Tokenizer::~Tokenizer() = default;

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromBytes(TokenizerKind kind,
                                                          std::string_view bytes,
                                                          const std::string& origin) {
  if (kind == TokenizerKind::kSentencePiece) return CreateSentencePieceTokenizer(bytes, origin);
  return UnimplementedError(origin + ": tokenizer.json is not supported by this build");
}

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromFile(const std::string& path) {
  std::error_code ec;
  std::string file = path;
  if (std::filesystem::is_directory(path, ec))
    file = (std::filesystem::path(path) / "tokenizer.model").string();
  if (!file.ends_with(".model")) {
    return UnimplementedError(
        path + ": only SentencePiece tokenizer.model files are supported by this build");
  }
  ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(file));
  return CreateSentencePieceTokenizer(
      std::string_view(reinterpret_cast<const char*>(mapped.data()), mapped.size()), file);
}

}  // namespace litertlm
