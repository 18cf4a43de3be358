// The config.json readers the architecture files share. Each family's config parser
// (<family>_config.cc: qwen3_config.cc, gemma3_config.cc, llama_config.cc) holds only what its
// architecture adds to the generic fields config_parser.cc reads; it is declared and registered
// only beside the family record that names it (model_family.cc, ModelFamily::parse_config).
#ifndef LITERTLM_FORMAT_CONFIG_FIELDS_H_
#define LITERTLM_FORMAT_CONFIG_FIELDS_H_

#include "format/model_config.h"
#include "util/json.h"

namespace litertlm {

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

#endif  // LITERTLM_FORMAT_CONFIG_FIELDS_H_
