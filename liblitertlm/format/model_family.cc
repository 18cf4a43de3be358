#include "format/model_family.h"

#include <algorithm>
#include <vector>

namespace litertlm {

// The config parsers the rows name (format/<family>_config.cc); declared here only.
Status ParseQwen3Config(const JsonObjectReader& reader, ModelConfig* config);
Status ParseGemma3Config(const JsonObjectReader& reader, ModelConfig* config);
Status ParseLlamaConfig(const JsonObjectReader& reader, ModelConfig* config);

namespace {

using SV = std::string_view;

constexpr SV kQwen3Archs[] = {"Qwen3ForCausalLM"};
constexpr SV kQwen3Types[] = {"qwen3"};
constexpr FamilyToken kQwen3Stops[] = {{"<|im_end|>", 151645}};
constexpr SV kQwen3Orgs[] = {"Qwen"};

constexpr SV kGemma3Archs[] = {"Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"};
constexpr SV kGemma3Types[] = {"gemma3_text", "gemma3"};
constexpr FamilyToken kGemma3Stops[] = {{"<eos>", 1}, {"<end_of_turn>", 106}};
constexpr SV kGemma3Orgs[] = {"google"};

constexpr SV kLlamaArchs[] = {"LlamaForCausalLM"};
constexpr SV kLlamaTypes[] = {"llama"};
// Llama 3.x: <|eot_id|> ends a turn, <|eom_id|> a tool message, <|end_of_text|> the text.
constexpr FamilyToken kLlama3Stops[] = {{"<|eot_id|>", 128009},
                                        {"<|end_of_text|>", 128001},
                                        {"<|eom_id|>", 128008, /*optional=*/true}};
// Llama-architecture checkpoints with ChatML tokens (SmolLM2: <|im_end|> is id 2).
constexpr FamilyToken kChatMlLlamaStops[] = {{"<|im_end|>", 2}};
constexpr SV kChatMlLlamaOrgs[] = {"HuggingFaceTB"};

constexpr FamilyTurns kChatMlTurns = {"<|im_start|>", "\n", "<|im_end|>\n", "assistant", true};

// Gemma 3 decodes greedily by default (k = 1), recorded as TOP_P with k = 1 (see
// llm_metadata_defaults.cc for why not TOP_K).
const ModelFamily kFamilies[] = {
    {.name = "Qwen3",
     .hf_architectures = kQwen3Archs,
     .parse_config = &ParseQwen3Config,
     .tflite_graph = true,
     .model_types = kQwen3Types,
     .gguf_architecture = "qwen3",
     .stops = kQwen3Stops,
     .sampler = {20, 0.95f, 0.6f},
     .metadata_max_tokens = 40960,
     .checkpoint_max_tokens = 0,
     .turns = kChatMlTurns,
     .metadata_type = MetadataModelType::kQwen3,
     .hub_orgs = kQwen3Orgs},
    {.name = "Gemma3",
     .hf_architectures = kGemma3Archs,
     .parse_config = &ParseGemma3Config,
     .sandwich_norms = true,
     .tflite_graph = true,
     .model_types = kGemma3Types,
     .gguf_architecture = "gemma3",
     .gguf_norms_plus_one = true,
     .gguf_hparams = GgufHparams::kGemma3,
     .start = FamilyToken{"<bos>", 2},
     .stops = kGemma3Stops,
     .sampler = {1, 0.95f, 1.0f},
     .metadata_max_tokens = 4096,
     .checkpoint_max_tokens = 4096,
     .turns = {"<start_of_turn>", "\n", "<end_of_turn>\n", "model", false},
     .metadata_type = MetadataModelType::kGemma3,
     .hub_orgs = kGemma3Orgs},
    // Llama 3 (generation_config of Llama-3.2-*-Instruct: temperature 0.6, top-p 0.9).
    {.name = "Llama 3",
     .hf_architectures = kLlamaArchs,
     .parse_config = &ParseLlamaConfig,
     .model_types = kLlamaTypes,
     .gguf_architecture = "llama",
     .gguf_qk_rows_permuted = true,
     .gguf_rope_freqs = true,
     .start = FamilyToken{"<|begin_of_text|>", 128000},
     .stops = kLlama3Stops,
     .sampler = {50, 0.9f, 0.6f},  // top-k 50: transformers' default
     .metadata_max_tokens = 131072,
     .checkpoint_max_tokens = 0,
     .turns = {"<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>", "assistant", true},
     .metadata_type = MetadataModelType::kGeneric},
    // Llama architecture with ChatML turns (SmolLM2-*-Instruct), no BOS.
    {.name = "Llama (ChatML)",
     .hf_architectures = kLlamaArchs,
     .parse_config = &ParseLlamaConfig,
     .model_types = kLlamaTypes,
     .gguf_architecture = "llama",
     .gguf_qk_rows_permuted = true,
     .gguf_rope_freqs = true,
     .stops = kChatMlLlamaStops,
     .sampler = {50, 0.9f, 0.6f},  // top-k 50: transformers' default
     .metadata_max_tokens = 8192,
     .checkpoint_max_tokens = 0,
     .turns = kChatMlTurns,
     .metadata_type = MetadataModelType::kGeneric,
     .hub_orgs = kChatMlLlamaOrgs},
};

bool HasAllTokens(const ModelFamily& f, const HasTokenFn& lookup) {
  if (f.start && !lookup(f.start->text)) return false;
  for (const FamilyToken& t : f.stops) {
    if (!t.optional && !lookup(t.text)) return false;
  }
  return true;
}

template <typename Match>
const ModelFamily* FindFirst(Match match, const HasTokenFn& lookup) {
  const ModelFamily* first = nullptr;
  for (const ModelFamily& f : kFamilies) {
    if (!match(f)) continue;
    if (!lookup || HasAllTokens(f, lookup)) return &f;
    if (first == nullptr) first = &f;
  }
  return first;
}

bool Contains(std::span<const SV> list, SV value) {
  for (SV v : list) {
    if (v == value) return true;
  }
  return false;
}

}  // namespace

std::span<const ModelFamily> ModelFamilies() { return kFamilies; }

const ModelFamily* FindFamilyByModelType(std::string_view model_type, const HasTokenFn& lookup) {
  return FindFirst([&](const ModelFamily& f) { return Contains(f.model_types, model_type); }, lookup);
}

const ModelFamily* FindFamilyByHfArchitecture(std::string_view hf_architecture, const HasTokenFn& lookup) {
  return FindFirst([&](const ModelFamily& f) { return Contains(f.hf_architectures, hf_architecture); },
                   lookup);
}

const ModelFamily* FindFamilyByMetadataType(MetadataModelType type) {
  return FindFirst([&](const ModelFamily& f) { return f.metadata_type == type; }, {});
}

const ModelFamily* FindFamilyByGgufArchitecture(std::string_view gguf_architecture) {
  return FindFirst([&](const ModelFamily& f) { return f.gguf_architecture == gguf_architecture; }, {});
}

namespace {

// "a, b, c" of the distinct non-empty values.
void AppendUnique(SV value, std::vector<SV>* seen, std::string* out) {
  if (value.empty() || std::find(seen->begin(), seen->end(), value) != seen->end()) return;
  seen->push_back(value);
  if (!out->empty()) *out += ", ";
  *out += value;
}

}  // namespace

std::string SupportedArchitectures() {
  std::string out;
  std::vector<SV> seen;
  for (const ModelFamily& f : kFamilies) AppendUnique(f.hf_architectures[0], &seen, &out);
  return out;
}

std::string SupportedModelTypes() {
  std::string out;
  std::vector<SV> seen;
  for (const ModelFamily& f : kFamilies) {
    for (SV t : f.model_types) AppendUnique(t, &seen, &out);
  }
  return out;
}

std::string SupportedGgufArchitectures() {
  std::string out;
  std::vector<SV> seen;
  for (const ModelFamily& f : kFamilies) AppendUnique(f.gguf_architecture, &seen, &out);
  return out;
}

}  // namespace litertlm
