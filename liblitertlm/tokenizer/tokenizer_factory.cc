// Tokenizer::FromFile / Tokenizer::FromBytes: pick the implementation for a tokenizer file.
#include <rapidjson/document.h>

#include <filesystem>
#include <system_error>

#include "litertlm/tokenizer.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "util/mapped_file.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;

// Reads "bos_token"/"eos_token" (a string or {"content": ...}) from tokenizer_config.json next
// to a tokenizer.json. A missing or unreadable config leaves the defaults; malformed JSON is an
// error naming the config file.
Status ApplyTokenizerConfig(const fs::path& config, hf::HfTokenizer* tok) {
  std::error_code ec;
  if (!fs::is_regular_file(config, ec)) return Status::Ok();
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(config.string()));
  rapidjson::Document doc;
  doc.Parse(reinterpret_cast<const char*>(file.data()), file.size());
  if (doc.HasParseError() || !doc.IsObject())
    return InvalidArgumentError(config.string() + ": not a valid JSON object");
  const rapidjson::Value& root = doc;  // const iterators (non-const ones trip clang's C++20 checks)
  auto id_of = [&](const char* field) -> std::optional<TokenId> {
    auto it = root.FindMember(field);
    if (it == root.MemberEnd()) return std::nullopt;
    const rapidjson::Value* v = &it->value;
    if (v->IsObject()) {
      auto c = v->FindMember("content");
      if (c == v->MemberEnd()) return std::nullopt;
      v = &c->value;
    }
    if (!v->IsString()) return std::nullopt;
    return tok->TokenToId(std::string_view(v->GetString(), v->GetStringLength()));
  };
  std::optional<TokenId> bos = id_of("bos_token");
  // No bos_token in the config keeps the post-processor's; an explicit null means none.
  auto bos_member = root.FindMember("bos_token");
  if (!bos && (bos_member == root.MemberEnd() || !bos_member->value.IsNull())) bos = tok->bos_id();
  tok->SetSpecialTokenIds(bos, id_of("eos_token"));
  return Status::Ok();
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
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(file_path));
  std::string_view bytes(reinterpret_cast<const char*>(file.data()), file.size());
  TokenizerKind kind = SniffKind(file_path, bytes);
  if (kind == TokenizerKind::kSentencePiece) return CreateSentencePieceTokenizer(bytes, file_path);
  ASSIGN_OR_RETURN(std::unique_ptr<hf::HfTokenizer> tok, hf::HfTokenizer::Create(bytes, file_path));
  RETURN_IF_ERROR(
      ApplyTokenizerConfig(fs::path(file_path).parent_path() / "tokenizer_config.json", tok.get()));
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
