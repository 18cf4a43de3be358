#include "model/tensor_table.h"

namespace litertlm {

std::string LayerTensorName(int layer, const char* suffix) {
  return "model.layers." + std::to_string(layer) + "." + suffix;
}

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& c) {
  const int64_t e = c.hidden_size, f = c.intermediate_size, d = c.head_dim;
  const int64_t q = static_cast<int64_t>(c.num_heads) * d, kv = static_cast<int64_t>(c.num_kv_heads) * d;
  std::vector<TensorSpec> t;
  t.push_back({"model.embed_tokens.weight", {c.vocab_size, e}, TensorRole::kEmbedding});
  for (int l = 0; l < c.num_layers; ++l) {
    auto add = [&](const char* suffix, std::vector<int64_t> shape, TensorRole role) {
      t.push_back({LayerTensorName(l, suffix), std::move(shape), role});
    };
    add("self_attn.q_proj.weight", {q, e}, TensorRole::kLinear);
    add("self_attn.k_proj.weight", {kv, e}, TensorRole::kLinear);
    add("self_attn.v_proj.weight", {kv, e}, TensorRole::kLinear);
    add("self_attn.o_proj.weight", {e, q}, TensorRole::kLinear);
    if (c.attention_bias) {
      add("self_attn.q_proj.bias", {q}, TensorRole::kBias);
      add("self_attn.k_proj.bias", {kv}, TensorRole::kBias);
      add("self_attn.v_proj.bias", {kv}, TensorRole::kBias);
      add("self_attn.o_proj.bias", {e}, TensorRole::kBias);
    }
    if (c.qk_norm) {
      add("self_attn.q_norm.weight", {d}, TensorRole::kNorm);
      add("self_attn.k_norm.weight", {d}, TensorRole::kNorm);
    }
    add("mlp.gate_proj.weight", {f, e}, TensorRole::kLinear);
    add("mlp.up_proj.weight", {f, e}, TensorRole::kLinear);
    add("mlp.down_proj.weight", {e, f}, TensorRole::kLinear);
    add("input_layernorm.weight", {e}, TensorRole::kNorm);
    add("post_attention_layernorm.weight", {e}, TensorRole::kNorm);
    if (c.sandwich_norms) {
      add("pre_feedforward_layernorm.weight", {e}, TensorRole::kNorm);
      add("post_feedforward_layernorm.weight", {e}, TensorRole::kNorm);
    }
  }
  t.push_back({"model.norm.weight", {e}, TensorRole::kNorm});
  if (!c.tie_word_embeddings) t.push_back({"lm_head.weight", {c.vocab_size, e}, TensorRole::kOutput});
  return t;
}

}  // namespace litertlm
