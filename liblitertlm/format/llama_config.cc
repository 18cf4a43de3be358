// Llama (LlamaForCausalLM: Llama 3.x, SmolLM2, ...): pre-norm decoder with plain RMSNorm (x̂ · w),
// SiLU-gated MLP, no q/k norms, full attention everywhere, RoPE with optional "llama3" or
// "linear" scaling. What differs from the shared defaults is only what is set here.
#include "format/config_fields.h"
#include "util/status_macros.h"

namespace litertlm {

Status ParseLlamaConfig(const JsonObjectReader& r, ModelConfig* c) {
  RETURN_IF_ERROR(ParseSiluGatedMlp(r, c));
  ASSIGN_OR_RETURN(auto mlp_bias, r.Bool("mlp_bias"));
  if (mlp_bias.value_or(false)) return UnimplementedError(r.Where("mlp_bias") + ": MLP biases are not supported");
  c->layer_sliding.assign(c->num_layers, false);
  RETURN_IF_ERROR(ParseRope(r, "full_attention", "rope_theta", 10000.0, true, &c->rope_global));
  RETURN_IF_ERROR(ParseRopeFreqFactors(r, c->head_dim, &c->rope_global));
  c->rope_local = c->rope_global;
  return Status::Ok();
}

}  // namespace litertlm
