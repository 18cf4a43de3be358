#include "model/tensor_table.h"

namespace litertlm {
namespace {

using D = TensorDim;
using P = TensorPresence;
using R = TensorRole;
using L = LayerWeights;

constexpr TensorRow<ModelWeights> kGlobalRows[] = {
    {"model.embed_tokens.weight", "token_embd.weight", R::kEmbedding, {D::kVocab, D::kHidden}, P::kAlways,
     &ModelWeights::embedding},
    {"model.norm.weight", "output_norm.weight", R::kNorm, {D::kHidden, D::kNone}, P::kAlways, nullptr,
     &ModelWeights::final_norm},
    {"lm_head.weight", "output.weight", R::kOutput, {D::kVocab, D::kHidden}, P::kUntied, &ModelWeights::output},
};
// How many of kGlobalRows come before the layers.
constexpr size_t kGlobalsBeforeLayers = 1;

constexpr TensorRow<LayerWeights> kLayerRows[] = {
    {"self_attn.q_proj.weight", "attn_q.weight", R::kLinear, {D::kQ, D::kHidden}, P::kAlways, &L::q_proj},
    {"self_attn.k_proj.weight", "attn_k.weight", R::kLinear, {D::kKv, D::kHidden}, P::kAlways, &L::k_proj},
    {"self_attn.v_proj.weight", "attn_v.weight", R::kLinear, {D::kKv, D::kHidden}, P::kAlways, &L::v_proj},
    {"self_attn.o_proj.weight", "attn_output.weight", R::kLinear, {D::kHidden, D::kQ}, P::kAlways, &L::o_proj},
    {"self_attn.q_proj.bias", "attn_q.bias", R::kBias, {D::kQ, D::kNone}, P::kAttentionBias, nullptr, &L::q_bias},
    {"self_attn.k_proj.bias", "attn_k.bias", R::kBias, {D::kKv, D::kNone}, P::kAttentionBias, nullptr, &L::k_bias},
    {"self_attn.v_proj.bias", "attn_v.bias", R::kBias, {D::kKv, D::kNone}, P::kAttentionBias, nullptr, &L::v_bias},
    {"self_attn.o_proj.bias", "attn_output.bias", R::kBias, {D::kHidden, D::kNone}, P::kAttentionBias, nullptr,
     &L::o_bias},
    {"self_attn.q_norm.weight", "attn_q_norm.weight", R::kNorm, {D::kHeadDim, D::kNone}, P::kQkNorm, nullptr,
     &L::q_norm},
    {"self_attn.k_norm.weight", "attn_k_norm.weight", R::kNorm, {D::kHeadDim, D::kNone}, P::kQkNorm, nullptr,
     &L::k_norm},
    {"mlp.gate_proj.weight", "ffn_gate.weight", R::kLinear, {D::kFfn, D::kHidden}, P::kAlways, &L::gate_proj},
    {"mlp.up_proj.weight", "ffn_up.weight", R::kLinear, {D::kFfn, D::kHidden}, P::kAlways, &L::up_proj},
    {"mlp.down_proj.weight", "ffn_down.weight", R::kLinear, {D::kHidden, D::kFfn}, P::kAlways, &L::down_proj},
    {"input_layernorm.weight", "attn_norm.weight", R::kNorm, {D::kHidden, D::kNone}, P::kAlways, nullptr,
     &L::input_norm},
    {"post_attention_layernorm.weight", "ffn_norm.weight", R::kNorm, {D::kHidden, D::kNone}, P::kAlways, nullptr,
     &L::post_attention_norm, "post_attention_norm.weight"},
    {"pre_feedforward_layernorm.weight", "ffn_norm.weight", R::kNorm, {D::kHidden, D::kNone}, P::kSandwichNorms,
     nullptr, &L::pre_feedforward_norm},
    {"post_feedforward_layernorm.weight", "post_ffw_norm.weight", R::kNorm, {D::kHidden, D::kNone},
     P::kSandwichNorms, nullptr, &L::post_feedforward_norm},
};

int64_t DimSize(const ModelConfig& c, TensorDim d) {
  switch (d) {
    case D::kVocab: return c.vocab_size;
    case D::kHidden: return c.hidden_size;
    case D::kFfn: return c.intermediate_size;
    case D::kHeadDim: return c.head_dim;
    case D::kQ: return static_cast<int64_t>(c.num_heads) * c.head_dim;
    case D::kKv: return static_cast<int64_t>(c.num_kv_heads) * c.head_dim;
    case D::kNone: return 0;
  }
  return 0;
}

}  // namespace

std::span<const TensorRow<ModelWeights>> GlobalTensorRows() { return kGlobalRows; }
std::span<const TensorRow<LayerWeights>> LayerTensorRows() { return kLayerRows; }

bool HasTensor(const ModelConfig& c, TensorPresence presence) {
  switch (presence) {
    case P::kAlways: return true;
    case P::kAttentionBias: return c.attention_bias;
    case P::kQkNorm: return c.qk_norm;
    case P::kSandwichNorms: return c.sandwich_norms;
    case P::kUntied: return !c.tie_word_embeddings;
  }
  return false;
}

std::vector<int64_t> TensorShape(const ModelConfig& c, const std::array<TensorDim, 2>& dims) {
  std::vector<int64_t> shape;
  for (TensorDim d : dims) {
    if (d != D::kNone) shape.push_back(DimSize(c, d));
  }
  return shape;
}

std::string LayerTensorName(int layer, const char* suffix) {
  return "model.layers." + std::to_string(layer) + "." + suffix;
}

std::vector<GgufTensorName> GgufTensorNames(const ModelFamily& family) {
  std::vector<GgufTensorName> names;
  for (const TensorRow<ModelWeights>& row : kGlobalRows) {
    if (row.gguf != nullptr) names.push_back({row.gguf, row.name, /*per_layer=*/false});
  }
  for (const TensorRow<LayerWeights>& row : kLayerRows) {
    if (row.presence == P::kSandwichNorms && !family.sandwich_norms) continue;
    const char* gguf = family.sandwich_norms && row.gguf_with_sandwich_norms != nullptr
                           ? row.gguf_with_sandwich_norms
                           : row.gguf;
    if (gguf != nullptr) names.push_back({gguf, row.name, /*per_layer=*/true});
  }
  return names;
}

std::optional<std::string> GgufToHfTensorName(std::string_view arch, std::string_view gguf_name) {
  const ModelFamily* family = FindFamilyByGgufArchitecture(arch);
  if (family == nullptr) return std::nullopt;
  return MapGgufTensorName(GgufTensorNames(*family), gguf_name);
}

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& c) {
  std::vector<TensorSpec> t;
  auto add_globals = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const TensorRow<ModelWeights>& row = kGlobalRows[i];
      if (HasTensor(c, row.presence)) t.push_back({row.name, TensorShape(c, row.shape), row.role});
    }
  };
  add_globals(0, kGlobalsBeforeLayers);
  for (int l = 0; l < c.num_layers; ++l) {
    for (const TensorRow<LayerWeights>& row : kLayerRows) {
      if (HasTensor(c, row.presence)) t.push_back({LayerTensorName(l, row.name), TensorShape(c, row.shape), row.role});
    }
  }
  add_globals(kGlobalsBeforeLayers, std::size(kGlobalRows));
  return t;
}

}  // namespace litertlm
