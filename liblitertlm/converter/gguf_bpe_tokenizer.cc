#include "converter/gguf_bpe_tokenizer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "litertlm/tokenizer.h"
#include "tokenizer/byte_level.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

// The split regexes of the upstream tokenizer.json files, as Hugging Face writes them.
constexpr std::string_view kQwen2Split =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr std::string_view kLlama3Split =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// HF's Digits(individual_digits) pre-tokenizer (Rust char::is_numeric = \p{N}), as a Split.
constexpr std::string_view kEachDigit = R"re(\p{N})re";

// How one upstream tokenizer family pre-tokenizes: an optional regex Split (Isolated), then
// ByteLevel with or without the GPT-2 regex.
struct PreTokenizerRecipe {
  std::string_view split;        // "" = no Split step
  bool byte_level_regex;         // ByteLevel use_regex (GPT-2 pattern)
  bool nfc;                      // NFC normalizer
  bool ignore_merges;            // BPE model ignore_merges
  bool add_bos_default;          // when tokenizer.ggml.add_bos_token is absent
};

constexpr PreTokenizerRecipe kQwen2{kQwen2Split, false, true, false, false};
constexpr PreTokenizerRecipe kLlama3{kLlama3Split, false, false, true, true};
constexpr PreTokenizerRecipe kGpt2{"", true, false, false, false};
constexpr PreTokenizerRecipe kDigitsThenGpt2{kEachDigit, true, false, false, false};

// tokenizer.ggml.pre names (llama.cpp's) whose upstream tokenizer.json we reproduce. Other names
// that llama.cpp maps to the same regex are left out where the upstream normalizer or BOS handling
// is not known to match (e.g. deepseek-r1-qwen, olmo/mpt with GPT-NeoX's NFC).
struct NamedRecipe {
  std::string_view name;
  const PreTokenizerRecipe* recipe;
};
constexpr NamedRecipe kRecipes[] = {
    {"qwen2", &kQwen2},  {"llama3", &kLlama3},         {"llama-v3", &kLlama3},
    {"llama-bpe", &kLlama3}, {"gpt-2", &kGpt2},           {"phi-2", &kGpt2},
    {"smollm", &kDigitsThenGpt2}, {"starcoder", &kDigitsThenGpt2},
};

const PreTokenizerRecipe* FindRecipe(std::string_view pre) {
  for (const NamedRecipe& r : kRecipes) {
    if (r.name == pre) return r.recipe;
  }
  return nullptr;
}

std::string SupportedList() {
  std::string out;
  for (const NamedRecipe& r : kRecipes) {
    if (!out.empty()) out += ", ";
    out += r.name;
  }
  return out;
}

// A JSON writer that rejects invalid UTF-8 and remembers that it did.
class Writer : public rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                        rapidjson::CrtAllocator,
                                        rapidjson::kWriteValidateEncodingFlag> {
 public:
  using rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                          rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>::Writer;
  bool invalid_text = false;
};

void Str(Writer& w, std::string_view s) {
  if (!w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()))) w.invalid_text = true;
}
void Key(Writer& w, std::string_view s) {
  if (!w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()))) w.invalid_text = true;
}

void ByteLevel(Writer& w, bool use_regex) {
  w.StartObject();
  Key(w, "type"); Str(w, "ByteLevel");
  Key(w, "add_prefix_space"); w.Bool(false);
  Key(w, "trim_offsets"); w.Bool(false);
  Key(w, "use_regex"); w.Bool(use_regex);
  w.EndObject();
}

void PreTokenizer(Writer& w, const PreTokenizerRecipe& r) {
  if (r.split.empty()) {
    ByteLevel(w, r.byte_level_regex);
    return;
  }
  w.StartObject();
  Key(w, "type"); Str(w, "Sequence");
  Key(w, "pretokenizers");
  w.StartArray();
  w.StartObject();
  Key(w, "type"); Str(w, "Split");
  Key(w, "pattern"); w.StartObject(); Key(w, "Regex"); Str(w, r.split); w.EndObject();
  Key(w, "behavior"); Str(w, "Isolated");
  Key(w, "invert"); w.Bool(false);
  w.EndObject();
  ByteLevel(w, r.byte_level_regex);
  w.EndArray();
  w.EndObject();
}

// TemplateProcessing for `prefix` A `suffix` (pair: the same around B, as HF writes for Llama 3).
void Template(Writer& w, const GgufVocab& v, std::optional<int32_t> bos, std::optional<int32_t> eos) {
  auto special = [&](int32_t id, int type_id) {
    w.StartObject();
    Key(w, "SpecialToken");
    w.StartObject(); Key(w, "id"); Str(w, v.tokens[id]); Key(w, "type_id"); w.Int(type_id); w.EndObject();
    w.EndObject();
  };
  auto sequence = [&](const char* name, int type_id) {
    w.StartObject();
    Key(w, "Sequence");
    w.StartObject(); Key(w, "id"); Str(w, name); Key(w, "type_id"); w.Int(type_id); w.EndObject();
    w.EndObject();
  };
  w.StartObject();
  Key(w, "type"); Str(w, "TemplateProcessing");
  Key(w, "single");
  w.StartArray();
  if (bos) special(*bos, 0);
  sequence("A", 0);
  if (eos) special(*eos, 0);
  w.EndArray();
  Key(w, "pair");
  w.StartArray();
  if (bos) special(*bos, 0);
  sequence("A", 0);
  if (eos) special(*eos, 0);
  if (bos) special(*bos, 1);
  sequence("B", 1);
  if (eos) special(*eos, 1);
  w.EndArray();
  Key(w, "special_tokens");
  w.StartObject();
  std::vector<int32_t> ids;
  if (bos) ids.push_back(*bos);
  if (eos && eos != bos) ids.push_back(*eos);
  for (int32_t id : ids) {
    Key(w, v.tokens[id]);
    w.StartObject();
    Key(w, "id"); Str(w, v.tokens[id]);
    Key(w, "ids"); w.StartArray(); w.Int(id); w.EndArray();
    Key(w, "tokens"); w.StartArray(); Str(w, v.tokens[id]); w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

bool IsAddedToken(int32_t type) {
  return type == static_cast<int32_t>(GgufTokenType::kControl) ||
         type == static_cast<int32_t>(GgufTokenType::kUserDefined);
}

Status CheckVocabulary(const GgufVocab& v, const std::string& origin) {
  if (v.tokens.empty()) return InvalidArgumentError(origin + ": tokenizer.ggml.tokens is empty");
  if (v.token_types.size() != v.tokens.size()) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.token_type is missing or its length "
                                "differs from tokenizer.ggml.tokens (a byte-level BPE vocabulary "
                                "needs it to tell special tokens)");
  }
  if (v.merges.empty()) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.merges is missing or empty (required "
                                "for a 'gpt2' byte-level BPE vocabulary)");
  }
  std::unordered_map<std::string_view, size_t> seen;
  seen.reserve(v.tokens.size());
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.tokens[i].empty() || hf::ValidUtf8Prefix(v.tokens[i]) != v.tokens[i].size()) {
      return InvalidArgumentError(origin + ": tokenizer.ggml.tokens[" + std::to_string(i) + "] is " +
                                  (v.tokens[i].empty() ? "empty" : "not valid UTF-8"));
    }
    auto [it, fresh] = seen.emplace(v.tokens[i], i);
    if (!fresh) {
      return InvalidArgumentError(origin + ": tokenizer.ggml.tokens holds '" + v.tokens[i] +
                                  "' twice (ids " + std::to_string(it->second) + " and " +
                                  std::to_string(i) + ")");
    }
  }
  return Status::Ok();
}

Status CheckRoundTrip(const std::string& json, const GgufVocab& v, const std::string& origin) {
  ASSIGN_OR_RETURN(auto tok, Tokenizer::FromBytes(TokenizerKind::kHfTokenizerJson, json,
                                                  origin + " (tokenizer.json rebuilt from GGUF)"));
  for (std::string_view text : {"Hello world", "The capital of France is Paris.",
                                "two  spaces, digits 12345,\n\ttabs and \xC3\xA9t\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87"}) {
    ASSIGN_OR_RETURN(std::vector<TokenId> ids, tok->Encode(text));
    ASSIGN_OR_RETURN(std::string back, tok->Decode(ids));
    if (back != text) {
      return FailedPreconditionError(origin + ": the tokenizer rebuilt from the GGUF vocabulary "
                                     "does not round-trip \"" + std::string(text) + "\" (got \"" +
                                     back + "\")");
    }
  }
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (!IsAddedToken(v.token_types[i])) continue;
    ASSIGN_OR_RETURN(std::vector<TokenId> ids, tok->Encode(v.tokens[i]));
    if (ids.size() != 1 || ids[0] != static_cast<TokenId>(i)) {
      return FailedPreconditionError(origin + ": the rebuilt tokenizer does not encode the added "
                                     "token '" + v.tokens[i] + "' to its id " + std::to_string(i));
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string_view> SupportedBpePreTokenizers() {
  std::vector<std::string_view> out;
  for (const NamedRecipe& r : kRecipes) out.push_back(r.name);
  return out;
}

StatusOr<std::string> BuildHfTokenizerJson(const GgufVocab& v, const std::string& origin) {
  if (v.model != "gpt2") {
    return UnimplementedError(origin + ": tokenizer.ggml.model '" + v.model +
                              "' is not a byte-level BPE ('gpt2') vocabulary");
  }
  const PreTokenizerRecipe* recipe = FindRecipe(v.pre);
  if (v.pre.empty()) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.pre is missing: the byte-level BPE "
                                "pre-tokenizer cannot be chosen (supported: " + SupportedList() + ")");
  }
  if (recipe == nullptr) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.pre '" + v.pre + "' is not a supported "
                                "byte-level BPE pre-tokenizer (supported: " + SupportedList() + ")");
  }
  RETURN_IF_ERROR(CheckVocabulary(v, origin));
  std::optional<int32_t> bos, eos;
  if (v.add_bos.value_or(recipe->add_bos_default)) {
    if (!v.bos_id) {
      return InvalidArgumentError(origin + ": tokenizer.ggml.add_bos_token is set (or implied by "
                                  "tokenizer.ggml.pre '" + v.pre + "') but there is no "
                                  "tokenizer.ggml.bos_token_id");
    }
    bos = v.bos_id;
  }
  if (v.add_eos.value_or(false)) {
    if (!v.eos_id) {
      return InvalidArgumentError(origin + ": tokenizer.ggml.add_eos_token is set but there is no "
                                  "tokenizer.ggml.eos_token_id");
    }
    eos = v.eos_id;
  }

  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "version"); Str(w, "1.0");
  Key(w, "truncation"); w.Null();
  Key(w, "padding"); w.Null();

  Key(w, "added_tokens");
  w.StartArray();
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (!IsAddedToken(v.token_types[i])) continue;
    w.StartObject();
    Key(w, "id"); w.Int(static_cast<int>(i));
    Key(w, "content"); Str(w, v.tokens[i]);
    Key(w, "single_word"); w.Bool(false);
    Key(w, "lstrip"); w.Bool(false);
    Key(w, "rstrip"); w.Bool(false);
    Key(w, "normalized"); w.Bool(false);
    Key(w, "special"); w.Bool(v.token_types[i] == static_cast<int32_t>(GgufTokenType::kControl));
    w.EndObject();
  }
  w.EndArray();

  Key(w, "normalizer");
  if (recipe->nfc) {
    w.StartObject(); Key(w, "type"); Str(w, "NFC"); w.EndObject();
  } else {
    w.Null();
  }
  Key(w, "pre_tokenizer");
  PreTokenizer(w, *recipe);
  Key(w, "post_processor");
  if (bos || eos) {
    w.StartObject();
    Key(w, "type"); Str(w, "Sequence");
    Key(w, "processors");
    w.StartArray();
    ByteLevel(w, false);
    Template(w, v, bos, eos);
    w.EndArray();
    w.EndObject();
  } else {
    ByteLevel(w, false);
  }
  Key(w, "decoder");
  ByteLevel(w, false);

  Key(w, "model");
  w.StartObject();
  Key(w, "type"); Str(w, "BPE");
  Key(w, "dropout"); w.Null();
  Key(w, "unk_token"); w.Null();
  Key(w, "continuing_subword_prefix"); w.Null();
  Key(w, "end_of_word_suffix"); w.Null();
  Key(w, "fuse_unk"); w.Bool(false);
  Key(w, "byte_fallback"); w.Bool(false);
  Key(w, "ignore_merges"); w.Bool(recipe->ignore_merges);
  Key(w, "vocab");
  w.StartObject();
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (IsAddedToken(v.token_types[i])) continue;
    Key(w, v.tokens[i]);
    w.Int(static_cast<int>(i));
  }
  w.EndObject();
  Key(w, "merges");
  w.StartArray();
  for (size_t i = 0; i < v.merges.size(); ++i) {
    // llama.cpp splits at the first space after the first byte; a byte-level token never holds a
    // space, so exactly one is expected.
    const std::string& m = v.merges[i];
    const size_t space = m.find(' ', 1);
    if (space == std::string::npos || space + 1 == m.size() ||
        m.find(' ', space + 1) != std::string::npos || hf::ValidUtf8Prefix(m) != m.size()) {
      return InvalidArgumentError(origin + ": tokenizer.ggml.merges[" + std::to_string(i) +
                                  "] '" + m + "' is not two UTF-8 tokens separated by one space");
    }
    Str(w, m);
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  if (w.invalid_text || !w.IsComplete()) {
    return InvalidArgumentError(origin + ": tokenizer.ggml.tokens / merges hold text that is not "
                                "valid UTF-8");
  }
  std::string json(buffer.GetString(), buffer.GetSize());
  RETURN_IF_ERROR(CheckRoundTrip(json, v, origin));
  return json;
}

}  // namespace litertlm::converter
