// File: litertlm/types.h
// Small value types shared by the public API.
#ifndef LITERTLM_TYPES_H_
#define LITERTLM_TYPES_H_

#include <cstdint>
#include <string>

namespace litertlm {

using TokenId = int32_t;

// What a loaded model is. All sizes are from the model's configuration.
struct ModelInfo {
  std::string architecture;   // "Qwen3ForCausalLM", "Gemma3ForCausalLM"
  std::string source_path;    // the checkpoint directory or file it was loaded from
  std::string weight_format;  // "f32", "i8", ... (the format of the projection weights)
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int max_context = 0;        // tokens a session can hold (config max_position_embeddings or file limit)
  int64_t num_parameters = 0;
};

}  // namespace litertlm

#endif  // LITERTLM_TYPES_H_
