// Tokenizer::FromFile / Tokenizer::FromBytes: pick the implementation for a tokenizer file.
#include "tokenizer/tokenizer_factory.h"

#include <filesystem>
#include <optional>
#include <system_error>

#include "litertlm/tokenizer.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "util/mapped_file.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;

// BOS/EOS as tokenizer_config.json declares them. No bos_token keeps the post-processor's, as
// does a token the vocabulary lacks; an explicit null means none. EOS is the declared one only.
void ApplyTokenizerConfig(const TokenizerConfig& config, hf::HfTokenizer* tok) {
  std::optional<TokenId> bos = tok->bos_id();
  if (config.bos_token.text) {
    bos = tok->TokenToId(*config.bos_token.text);
    if (!bos) bos = tok->bos_id();
  } else if (config.bos_token.present) {
    bos = std::nullopt;
  }
  std::optional<TokenId> eos;
  if (config.eos_token.text) eos = tok->TokenToId(*config.eos_token.text);
  tok->SetSpecialTokenIds(bos, eos);
}

StatusOr<std::string> ResolveTokenizerPath(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const char* name : {"tokenizer.model", "tokenizer.json"}) {
      fs::path candidate = fs::path(path) / name;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return NotFoundError(path + ": directory holds neither tokenizer.model nor tokenizer.json");
  }
  if (!fs::exists(path, ec)) return NotFoundError(path + ": no such file");
  return path;
}

// tokenizer.json is JSON (starts with '{' after whitespace); anything else is taken to be a
// SentencePiece model.
TokenizerKind SniffKind(const std::string& path, std::string_view bytes) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0)
    return TokenizerKind::kHfTokenizerJson;
  for (char c : bytes) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' ? TokenizerKind::kHfTokenizerJson : TokenizerKind::kSentencePiece;
  }
  return TokenizerKind::kSentencePiece;
}

}  // namespace

Tokenizer::~Tokenizer() = default;

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string file_path, ResolveTokenizerPath(path));
  const fs::path dir = fs::path(file_path).parent_path();
  ASSIGN_OR_RETURN(TokenizerConfig config, ReadTokenizerConfig(dir.empty() ? "." : dir.string()));
  return TokenizerFromFile(file_path, config);
}

StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromFile(const std::string& path,
                                                       const TokenizerConfig& config) {
  ASSIGN_OR_RETURN(std::string file_path, ResolveTokenizerPath(path));
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(file_path));
  std::string_view bytes(reinterpret_cast<const char*>(file.data()), file.size());
  TokenizerKind kind = SniffKind(file_path, bytes);
  if (kind == TokenizerKind::kSentencePiece) return CreateSentencePieceTokenizer(bytes, file_path);
  ASSIGN_OR_RETURN(std::unique_ptr<hf::HfTokenizer> tok, hf::HfTokenizer::Create(bytes, file_path));
  ApplyTokenizerConfig(config, tok.get());
  return std::unique_ptr<Tokenizer>(std::move(tok));
}

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromBytes(TokenizerKind kind,
                                                          std::string_view bytes,
                                                          const std::string& origin) {
  switch (kind) {
    case TokenizerKind::kHfTokenizerJson: {
      ASSIGN_OR_RETURN(std::unique_ptr<hf::HfTokenizer> tok, hf::HfTokenizer::Create(bytes, origin));
      return std::unique_ptr<Tokenizer>(std::move(tok));
    }
    case TokenizerKind::kSentencePiece:
      return CreateSentencePieceTokenizer(bytes, origin);
  }
  return InvalidArgumentError(origin + ": unknown tokenizer kind " +
                              std::to_string(static_cast<int>(kind)));
}

}  // namespace litertlm
