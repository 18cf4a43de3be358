// Hugging Face config.json text for a GGUF model (gemma3, qwen3 or llama), built from GGUF metadata, so a
// GGUF can be converted through the same config path as a Hugging Face checkpoint.
//
// Facts not stored in the file follow llama.cpp's defaults for the architecture (src/llama-model.cpp
// as of 2025): gemma3 local (sliding) layers use rope base 10000 and every 6th layer is global
// unless {arch}.rope.freq_base_swa / {arch}.attention.sliding_window_pattern say otherwise; the
// attention scale is 1/sqrt(head_dim), except for the 62-layer (27B) model which uses
// 1/sqrt(hidden_size / num_heads) — emitted as query_pre_attn_scalar.
#ifndef LITERTLM_FORMAT_GGUF_HF_CONFIG_H_
#define LITERTLM_FORMAT_GGUF_HF_CONFIG_H_

#include <string>

#include "format/gguf_reader.h"
#include "format/gguf_weight_source.h"
#include "litertlm/status.h"

namespace litertlm {

// config.json text (pretty-printed JSON object). Keys always written: architectures, model_type,
// hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads,
// head_dim, rms_norm_eps, rope_theta, max_position_embeddings, vocab_size, tie_word_embeddings,
// bos_token_id / eos_token_id / pad_token_id (when the file has them), torch_dtype; for gemma3 also
// hidden_activation, query_pre_attn_scalar, sliding_window, sliding_window_pattern, layer_types,
// rope_local_base_freq, rope_scaling, final_logit_softcapping, attn_logit_softcapping; for qwen3
// hidden_act, attention_bias, use_sliding_window (and for llama the same, with LlamaForCausalLM);
// "rope_freq_factors" (a key of ours, not Hugging Face's) carries a llama file's
// rope_freqs.weight, llama.cpp's form of Llama 3 rope scaling (inv_freq[i] / factor[i]).
// tie_word_embeddings and attention_bias say whether the file holds lm_head and a q_proj bias,
// found by `namer`'s names (model/tensor_table.h GgufTensorNames).
// Errors name the file and the missing or ill-typed key; UNIMPLEMENTED for another architecture.
StatusOr<std::string> GgufToHfConfigJson(const GgufFile& gguf, GgufTensorNamer namer);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_GGUF_HF_CONFIG_H_
