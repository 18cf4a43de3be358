// Gemma3 (text): sandwich norms with (1 + w) RMSNorm, embeddings scaled by sqrt(hidden),
// GELU(tanh)-gated MLP, q/k norms, interleaved sliding-window and global layers with separate
// rotary bases, attention scaled by query_pre_attn_scalar^-1/2, optional soft-capping.
#include <cmath>

#include "format/config_fields.h"
#include "util/status_macros.h"

namespace litertlm {

Status ParseGemma3Config(const JsonObjectReader& r, ModelConfig* c) {
  c->qk_norm = true;
  c->norm_weight_plus_one = true;
  c->scale_embeddings = true;
  c->sandwich_norms = true;
  ASSIGN_OR_RETURN(auto act, r.String("hidden_activation"));
  if (!act) {
    ASSIGN_OR_RETURN(act, r.String("hidden_act"));
  }
  const std::string a = act.value_or("gelu_pytorch_tanh");
  if (a == "gelu_pytorch_tanh" || a == "gelu_new") {
    c->activation = Activation::kGeluTanh;
  } else if (a == "gelu") {
    c->activation = Activation::kGeluExact;
  } else {
    return UnimplementedError(r.Where("hidden_activation") + ": activation '" + a + "' is not supported");
  }
  ASSIGN_OR_RETURN(auto tie, r.Bool("tie_word_embeddings"));
  c->tie_word_embeddings = tie.value_or(true);
  ASSIGN_OR_RETURN(auto bidirectional, r.Bool("use_bidirectional_attention"));
  if (bidirectional.value_or(false))
    return UnimplementedError(r.Where("use_bidirectional_attention") + ": bidirectional attention is not supported");
  ASSIGN_OR_RETURN(auto scalar, r.Double("query_pre_attn_scalar"));
  if (scalar) {
    if (!(*scalar > 0)) return InvalidArgumentError(r.Where("query_pre_attn_scalar") + " must be positive");
    c->attention_scale = 1.0 / std::sqrt(*scalar);
  }
  // attn_logit_softcapping is read for validation but not applied: transformers' Gemma3
  // attention never passes it to the attention function (checked in 5.23 modeling_gemma3.py),
  // and released Gemma3 configs set it to null.
  ASSIGN_OR_RETURN(auto unused_attn_softcap, r.Double("attn_logit_softcapping"));
  (void)unused_attn_softcap;
  // transformers soft-caps the logits whenever the field is not None (logits / cap, tanh,
  // × cap): null means no capping, 0 divides by zero (NaN logits) and is refused.
  ASSIGN_OR_RETURN(c->final_logit_softcapping, r.Double("final_logit_softcapping"));
  if (const auto& cap = c->final_logit_softcapping; cap && !(*cap > 0 && std::isfinite(*cap))) {
    return InvalidArgumentError(r.Where("final_logit_softcapping") +
                                " must be a positive number, or null for none");
  }
  RETURN_IF_ERROR(ParseLayerTypes(r, c));
  RETURN_IF_ERROR(ParseRope(r, "full_attention", "rope_theta", 1000000.0, true, &c->rope_global));
  RETURN_IF_ERROR(ParseRope(r, "sliding_attention", "rope_local_base_freq", 10000.0, false, &c->rope_local));
  return Status::Ok();
}

}  // namespace litertlm
