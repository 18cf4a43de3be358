#include "converter/gguf_tokenizer.h"

#include <algorithm>
#include <string_view>

#include "litertlm/tokenizer.h"
#include "tokenizer/sentencepiece_model.pb.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

constexpr int kSpmBpe = 2;         // TrainerSpec.model_type BPE
constexpr int kPieceNormal = 1;
constexpr int kPieceUnknown = 2;
constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// GGUF writers spell some whitespace pieces with ASCII spaces; SentencePiece uses U+2581.
std::string SpmPiece(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == ' ') {
      out += kSpace;
    } else {
      out += c;
    }
  }
  return out;
}

Status CheckRoundTrip(const std::string& bytes, const std::string& origin) {
  ASSIGN_OR_RETURN(auto tok, Tokenizer::FromBytes(TokenizerKind::kSentencePiece, bytes,
                                                  origin + " (tokenizer rebuilt from GGUF)"));
  for (std::string_view text : {"Hello world", "The capital of France is Paris.",
                                "  two spaces, digits 12345 and \xC3\xA9t\xC3\xA9"}) {
    ASSIGN_OR_RETURN(std::vector<TokenId> ids, tok->Encode(text));
    ASSIGN_OR_RETURN(std::string back, tok->Decode(ids));
    if (back != text) {
      return FailedPreconditionError(origin + ": the tokenizer rebuilt from the GGUF vocabulary "
                                     "does not round-trip \"" + std::string(text) + "\" (got \"" +
                                     back + "\")");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> BuildSentencePieceModel(const GgufVocab& vocab, const std::string& origin) {
  if (vocab.model != "llama") {
    return UnimplementedError(origin + ": tokenizer.ggml.model '" + vocab.model +
                              "' is not supported for conversion (only SentencePiece 'llama' "
                              "vocabularies are)");
  }
  const int n = static_cast<int>(vocab.tokens.size());
  if (vocab.scores.size() != vocab.tokens.size() || vocab.token_types.size() != vocab.tokens.size()) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.scores / token_type are missing or "
                                "their lengths differ from tokenizer.ggml.tokens");
  }
  if (!vocab.unk_id || !vocab.bos_id || !vocab.eos_id) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.{unknown,bos,eos}_token_id required");
  }
  spm::ModelProto m;
  bool has_bytes = false;
  for (int i = 0; i < n; ++i) {
    spm::ModelProto::SentencePiece* p = m.add_pieces();
    p->set_piece(SpmPiece(vocab.tokens[i]));
    p->set_score(vocab.scores[i]);
    const int type = i == *vocab.unk_id ? kPieceUnknown : vocab.token_types[i];
    if (type != kPieceNormal) p->set_type(type);
    has_bytes |= type == static_cast<int>(GgufTokenType::kByte);
  }
  spm::TrainerSpec* t = m.mutable_trainer_spec();
  t->set_model_type(kSpmBpe);
  t->set_vocab_size(n);
  t->set_byte_fallback(has_bytes);
  t->set_split_digits(true);
  t->set_split_by_whitespace(false);
  t->set_allow_whitespace_only_pieces(true);
  const int pad = vocab.pad_id.value_or(-1);
  t->set_unk_id(*vocab.unk_id);
  t->set_bos_id(*vocab.bos_id);
  t->set_eos_id(*vocab.eos_id);
  t->set_pad_id(pad);
  t->set_unk_piece(m.pieces(*vocab.unk_id).piece());
  t->set_bos_piece(m.pieces(*vocab.bos_id).piece());
  t->set_eos_piece(m.pieces(*vocab.eos_id).piece());
  if (pad >= 0) t->set_pad_piece(m.pieces(pad).piece());
  spm::NormalizerSpec* norm = m.mutable_normalizer_spec();
  norm->set_name("identity");
  norm->set_precompiled_charsmap("");
  norm->set_add_dummy_prefix(vocab.add_space_prefix.value_or(true));
  norm->set_remove_extra_whitespaces(false);
  norm->set_escape_whitespaces(true);
  std::string bytes;
  if (!m.SerializeToString(&bytes)) {
    return InternalError(origin + ": could not serialize the rebuilt tokenizer");
  }
  RETURN_IF_ERROR(CheckRoundTrip(bytes, origin));
  return bytes;
}

}  // namespace litertlm::converter
