// File: litertlm/tokenizer.h
// Tokenizer: text ↔ token ids, identical to Hugging Face `tokenizers` (tokenizer.json) and to
// SentencePiece (tokenizer.model).
//
//   auto tok = litertlm::Tokenizer::FromFile("/models/Qwen3-0.6B/tokenizer.json");
//   auto ids = (*tok)->Encode("Hello world");         // StatusOr<std::vector<TokenId>>
//   auto text = (*tok)->Decode(*ids);                  // "Hello world"
//
// Thread-safety: a Tokenizer is immutable after creation; Encode/Decode may be called from many
// threads at once. A StreamDecoder is used by one thread.
#ifndef LITERTLM_TOKENIZER_H_
#define LITERTLM_TOKENIZER_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/export.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm {

enum class TokenizerKind {
  kHfTokenizerJson = 0,  // Hugging Face tokenizer.json (byte-level BPE, or BPE with byte fallback)
  kSentencePiece = 1,    // SentencePiece ModelProto (tokenizer.model)
};

class LITERTLM_API Tokenizer {
 public:
  virtual ~Tokenizer();

  // Loads `path`: a tokenizer.json, a tokenizer.model, or a directory holding one of them
  // (tokenizer.model is preferred when both exist). Errors name the file and the field. For a
  // tokenizer.json, bos_id()/eos_id() come from a tokenizer_config.json next to it when present.
  static StatusOr<std::unique_ptr<Tokenizer>> FromFile(const std::string& path);
  // Loads from the bytes of such a file (e.g. a .litertlm tokenizer section); `origin` names it
  // in errors.
  static StatusOr<std::unique_ptr<Tokenizer>> FromBytes(TokenizerKind kind, std::string_view bytes,
                                                        const std::string& origin);

  virtual TokenizerKind kind() const = 0;

  // Text → ids. Special/added tokens written in the text (e.g. "<|im_end|>", "<start_of_turn>")
  // are recognised as single tokens. `add_special_tokens` adds what the tokenizer's own post-
  // processing adds (e.g. Gemma's <bos>); false gives the bare ids. `text` must be valid UTF-8
  // (INVALID_ARGUMENT otherwise).
  virtual StatusOr<std::vector<TokenId>> Encode(std::string_view text,
                                                bool add_special_tokens = false) const = 0;
  // Ids → text. INVALID_ARGUMENT for an id outside the vocabulary. `skip_special_tokens` drops
  // control/special tokens from the output.
  virtual StatusOr<std::string> Decode(std::span<const TokenId> ids,
                                       bool skip_special_tokens = false) const = 0;

  virtual int vocab_size() const = 0;
  // The piece (vocabulary string) of an id, and back. nullopt when absent.
  virtual std::optional<std::string> IdToToken(TokenId id) const = 0;
  virtual std::optional<TokenId> TokenToId(std::string_view token) const = 0;
  // True for special/control tokens (e.g. <bos>, <|im_end|>).
  virtual bool IsSpecial(TokenId id) const = 0;

  // The tokenizer's own BOS/EOS ids, when it declares them.
  virtual std::optional<TokenId> bos_id() const = 0;
  virtual std::optional<TokenId> eos_id() const = 0;
};

// Incremental detokenizer for streaming: Push() returns the text that became complete with this
// token — never half a UTF-8 character — and no bytes are ever dropped: the concatenation of
// every Push() and the final Flush() equals Decode() of all the ids pushed.
class LITERTLM_API StreamDecoder {
 public:
  // `tokenizer` must outlive the decoder.
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  StatusOr<std::string> Push(TokenId id);
  // Whatever is still held back (an incomplete UTF-8 sequence at the end is emitted as U+FFFD,
  // as Decode() does).
  std::string Flush();
  void Reset();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace litertlm

#endif  // LITERTLM_TOKENIZER_H_
