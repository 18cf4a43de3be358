// One record per model family (issue 14, item 2): the facts about a family that the config
// reader, converter metadata, engine defaults, sampler defaults, GGUF and TFLite import and Hub
// check would otherwise each restate. A family is named by its record (a `const ModelFamily*`),
// never by a central enum: nothing switches over families, every site reads a field.
//
// A new family is one row in model_family.cc, which also declares its config parser (the row's
// parse_config; defined in format/<family>_config.cc, or an existing family's parser when the
// config reads the same), plus a chat-template renderer when its template is new.
//
// A model_type may have several rows (Llama checkpoints come with Llama 3 or ChatML tokens, e.g.
// SmolLM2): the first row whose start and (non-optional) stop tokens the tokenizer all has is
// used.
#ifndef LITERTLM_FORMAT_MODEL_FAMILY_H_
#define LITERTLM_FORMAT_MODEL_FAMILY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "format/model_config.h"
#include "litertlm/status.h"

namespace litertlm {

class JsonObjectReader;

// Reads what a family's architecture adds to config.json's generic fields into `config` (the
// generic ones are already set: format/config_parser.cc). Helpers: format/config_fields.h.
using ConfigParser = Status (*)(const JsonObjectReader& reader, ModelConfig* config);

// A special token by text, with its id in the family's released tokenizer (a default checked
// against the tokenizer, or replaced by the tokenizer's id for resized vocabularies).
struct FamilyToken {
  std::string_view text;
  int32_t id = 0;
  bool optional = false;  // used when the tokenizer has it (Llama 3.0 has no <|eom_id|>)
};

// LlmMetadata llm_model_type written for the family.
enum class MetadataModelType { kGeneric, kQwen3, kGemma3 };

// Prompt affixes: turn_start + role + role_end + content + turn_end.
struct FamilyTurns {
  std::string_view turn_start;  // "<|im_start|>"
  std::string_view role_end;    // "\n"
  std::string_view turn_end;    // "<|im_end|>\n"
  std::string_view model_role;  // "assistant" / "model"
  bool has_system_role = true;  // false: the system prompt is folded into the first user turn
};

struct FamilySampler {
  int top_k = 1;
  float top_p = 1.0f;
  float temperature = 1.0f;
};

// Which llama.cpp metadata keys a family's GGUF files carry beyond the common ones
// (format/gguf_hf_config.cc): kSiluGated none (SiLU MLP, no sliding windows: Qwen3, Llama);
// kGemma3 the sliding-window pattern, local rope base, attention scale and soft-caps (GELU MLP).
enum class GgufHparams { kSiluGated, kGemma3 };

struct ModelFamily {
  std::string_view name;  // "Qwen3", for messages
  // config.json architectures: [0] is the one parse_config reads (and is written for GGUF and
  // TFLite imports); later entries are aliases accepted for sampler defaults (multimodal).
  std::span<const std::string_view> hf_architectures;
  ConfigParser parse_config = nullptr;
  // Four norms per layer (Gemma: input, post-attention, pre- and post-feedforward) instead of
  // two: llama.cpp's ffn_norm is then the pre-feedforward norm, and a TFLite graph with sandwich
  // norms is taken for this family when its file does not say.
  bool sandwich_norms = false;
  // The TFLite writer writes this family's graph (Google's runtime knows its LlmMetadata type).
  bool tflite_graph = false;
  // config.json model_type: [0] is the text checkpoint's, which the converter reads; later
  // entries are aliases accepted for LlmMetadata defaults ("gemma3", the multimodal type).
  std::span<const std::string_view> model_types;
  std::string_view gguf_architecture;                  // llama.cpp general.architecture
  bool gguf_norms_plus_one = false;    // llama.cpp stores RMSNorm weights as 1 + w (Gemma)
  bool gguf_qk_rows_permuted = false;  // llama.cpp permutes q/k rows for its rope (Llama)
  bool gguf_rope_freqs = false;        // rope_freqs.weight: per-frequency rope divisors (Llama 3)
  GgufHparams gguf_hparams = GgufHparams::kSiluGated;
  std::optional<FamilyToken> start;    // written before the prompt (BOS), if any
  std::span<const FamilyToken> stops;
  FamilySampler sampler;
  int32_t metadata_max_tokens = 0;    // LlmMetadata max_num_tokens (capped by the KV cache)
  int32_t checkpoint_max_tokens = 0;  // default limit running a checkpoint; 0 = context
  FamilyTurns turns;
  MetadataModelType metadata_type = MetadataModelType::kGeneric;
  std::span<const std::string_view> hub_orgs;  // Hub organisations whose checkpoints convert
};

std::span<const ModelFamily> ModelFamilies();

// The id a tokenizer gives special token `text`; nullopt when it has none.
using HasTokenFn = std::function<std::optional<int32_t>(std::string_view text)>;

// The family for `model_type` / a config.json architecture name (any of hf_architectures; a
// ModelConfig's `architecture` is always an [0]): the first row whose tokens `lookup` all knows,
// else the first row (nullptr when none matches). Without a lookup, the first row.
const ModelFamily* FindFamilyByModelType(std::string_view model_type, const HasTokenFn& lookup = {});
const ModelFamily* FindFamilyByHfArchitecture(std::string_view hf_architecture,
                                              const HasTokenFn& lookup = {});
const ModelFamily* FindFamilyByGgufArchitecture(std::string_view gguf_architecture);
// The first family written with LlmMetadata llm_model_type `type`.
const ModelFamily* FindFamilyByMetadataType(MetadataModelType type);

// "Qwen3ForCausalLM, Gemma3ForCausalLM, LlamaForCausalLM" (every parsed architecture), for messages.
std::string SupportedArchitectures();
// "qwen3, gemma3_text, gemma3, llama" (every model_type), for messages.
std::string SupportedModelTypes();
// "gemma3, qwen3, llama" (every GGUF architecture), for messages.
std::string SupportedGgufArchitectures();

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_MODEL_FAMILY_H_
