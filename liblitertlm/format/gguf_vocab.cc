#include "format/gguf_vocab.h"

#include <utility>

#include "util/status_macros.h"

namespace litertlm {
namespace {

// The value of an optional key: nullopt when absent, an error when present with a bad type.
template <typename T, typename Getter>
StatusOr<std::optional<T>> Optional(const GgufFile& gguf, const std::string& key, Getter get) {
  if (!gguf.HasKey(key)) return std::optional<T>();
  ASSIGN_OR_RETURN(T value, get(key));
  return std::optional<T>(std::move(value));
}

Status ReadSpecialId(const GgufFile& gguf, const std::string& key, size_t n_tokens,
                     std::optional<int32_t>* out) {
  ASSIGN_OR_RETURN(std::optional<int64_t> id,
                   Optional<int64_t>(gguf, key, [&](const std::string& k) { return gguf.GetInt(k); }));
  if (!id) return Status::Ok();
  if (*id < 0 || static_cast<uint64_t>(*id) >= n_tokens) {
    // An id outside the vocabulary would index out of bounds later: reject it here.
    return InvalidArgumentError(gguf.origin() + ": metadata key '" + key + "' is " +
                                std::to_string(*id) + ", outside the vocabulary of " +
                                std::to_string(n_tokens) + " tokens");
  }
  *out = static_cast<int32_t>(*id);
  return Status::Ok();
}

Status ReadFlag(const GgufFile& gguf, const std::string& key, std::optional<bool>* out) {
  ASSIGN_OR_RETURN(*out,
                   Optional<bool>(gguf, key, [&](const std::string& k) { return gguf.GetBool(k); }));
  return Status::Ok();
}

Status CheckLength(const GgufFile& gguf, const std::string& key, size_t got, size_t want) {
  if (got == want) return Status::Ok();
  return InvalidArgumentError(gguf.origin() + ": metadata key '" + key + "' has " +
                              std::to_string(got) + " elements, expected " + std::to_string(want) +
                              " (one per token)");
}

Status ReadArrays(const GgufFile& gguf, GgufVocab& v) {
  ASSIGN_OR_RETURN(v.tokens, gguf.GetStringArray("tokenizer.ggml.tokens"));
  if (v.tokens.empty() || v.tokens.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgumentError(gguf.origin() + ": metadata key 'tokenizer.ggml.tokens' holds " +
                                std::to_string(v.tokens.size()) + " tokens");
  }
  if (gguf.HasKey("tokenizer.ggml.scores")) {
    ASSIGN_OR_RETURN(v.scores, gguf.GetFloatArray("tokenizer.ggml.scores"));
    RETURN_IF_ERROR(CheckLength(gguf, "tokenizer.ggml.scores", v.scores.size(), v.tokens.size()));
  }
  if (gguf.HasKey("tokenizer.ggml.token_type")) {
    ASSIGN_OR_RETURN(std::vector<int64_t> types, gguf.GetIntArray("tokenizer.ggml.token_type"));
    RETURN_IF_ERROR(CheckLength(gguf, "tokenizer.ggml.token_type", types.size(), v.tokens.size()));
    v.token_types.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i] < 1 || types[i] > 6) {
        return InvalidArgumentError(gguf.origin() + ": metadata key 'tokenizer.ggml.token_type'[" +
                                    std::to_string(i) + "] is " + std::to_string(types[i]) +
                                    " (expected 1..6)");
      }
      v.token_types.push_back(static_cast<int32_t>(types[i]));
    }
  }
  if (gguf.HasKey("tokenizer.ggml.merges")) {
    ASSIGN_OR_RETURN(v.merges, gguf.GetStringArray("tokenizer.ggml.merges"));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<GgufVocab> ReadGgufVocab(const GgufFile& gguf) {
  GgufVocab v;
  ASSIGN_OR_RETURN(v.model, gguf.GetString("tokenizer.ggml.model"));
  if (gguf.HasKey("tokenizer.ggml.pre")) {
    ASSIGN_OR_RETURN(v.pre, gguf.GetString("tokenizer.ggml.pre"));
  }
  RETURN_IF_ERROR(ReadArrays(gguf, v));
  const size_t n = v.tokens.size();
  const std::pair<const char*, std::optional<int32_t>*> ids[] = {
      {"tokenizer.ggml.bos_token_id", &v.bos_id},     {"tokenizer.ggml.eos_token_id", &v.eos_id},
      {"tokenizer.ggml.unknown_token_id", &v.unk_id}, {"tokenizer.ggml.padding_token_id", &v.pad_id},
      {"tokenizer.ggml.seperator_token_id", &v.sep_id}, {"tokenizer.ggml.eot_token_id", &v.eot_id},
      {"tokenizer.ggml.eom_token_id", &v.eom_id},     {"tokenizer.ggml.mask_token_id", &v.mask_id},
  };
  for (const auto& [key, out] : ids) RETURN_IF_ERROR(ReadSpecialId(gguf, key, n, out));
  RETURN_IF_ERROR(ReadFlag(gguf, "tokenizer.ggml.add_bos_token", &v.add_bos));
  RETURN_IF_ERROR(ReadFlag(gguf, "tokenizer.ggml.add_eos_token", &v.add_eos));
  RETURN_IF_ERROR(ReadFlag(gguf, "tokenizer.ggml.add_sep_token", &v.add_sep));
  RETURN_IF_ERROR(ReadFlag(gguf, "tokenizer.ggml.add_space_prefix", &v.add_space_prefix));
  if (gguf.HasKey("tokenizer.chat_template")) {
    ASSIGN_OR_RETURN(v.chat_template, gguf.GetString("tokenizer.chat_template"));
  }
  return v;
}

}  // namespace litertlm
