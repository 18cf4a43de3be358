// Per-architecture knowledge, registered in one literal table (arch_registry.cc). Each
// architecture file (qwen3_arch.cc, gemma3_arch.cc) holds only what differs from the shared
// transformer: config deltas and its tensor list.
#ifndef LITERTLM_MODEL_ARCH_H_
#define LITERTLM_MODEL_ARCH_H_

#include <string_view>

#include "format/model_config.h"
#include "util/json.h"

namespace litertlm {

struct ArchSpec {
  std::string_view hf_name;  // config.json architectures[0]
  Arch arch;
  // Reads the architecture-specific fields into `config` (generic fields are already set).
  Status (*parse_config)(const JsonObjectReader& reader, ModelConfig* config);
};

// nullptr when the architecture is not supported.
const ArchSpec* FindArchSpec(std::string_view hf_name);
// "Qwen3ForCausalLM, Gemma3ForCausalLM" for messages.
std::string SupportedArchitectures();

Status ParseQwen3Config(const JsonObjectReader& reader, ModelConfig* config);
Status ParseGemma3Config(const JsonObjectReader& reader, ModelConfig* config);
Status ParseLlamaConfig(const JsonObjectReader& reader, ModelConfig* config);

// Shared by the architecture parsers: layer_types / sliding_window_pattern → layer_sliding.
Status ParseLayerTypes(const JsonObjectReader& reader, ModelConfig* config);
// hidden_act (only "silu", the default) and tie_word_embeddings (default false) of the
// SiLU-gated families (Qwen3, Llama).
Status ParseSiluGatedMlp(const JsonObjectReader& reader, ModelConfig* config);
// rope_parameters (transformers ≥ 5) or rope_theta/rope_scaling (earlier) for one layer kind.
// `layer_type` is "full_attention" or "sliding_attention"; `legacy_theta_field` is the
// pre-v5 key for that kind's base frequency.
Status ParseRope(const JsonObjectReader& reader, const char* layer_type,
                 const char* legacy_theta_field, double default_theta, bool legacy_scaling_applies,
                 RopeConfig* rope);
// "rope_freq_factors" (a GGUF import's per-frequency divisors, format/gguf_hf_config.h): head_dim/2
// positive numbers into rope->freq_factors; absent = none.
Status ParseRopeFreqFactors(const JsonObjectReader& reader, int head_dim, RopeConfig* rope);

}  // namespace litertlm

#endif  // LITERTLM_MODEL_ARCH_H_
