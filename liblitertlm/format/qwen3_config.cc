// Qwen3: pre-norm decoder with RMSNorm on q and k heads, SiLU-gated MLP, full attention unless
// the config enables sliding windows.
#include "format/config_fields.h"
#include "util/status_macros.h"

namespace litertlm {

Status ParseQwen3Config(const JsonObjectReader& r, ModelConfig* c) {
  c->qk_norm = true;
  RETURN_IF_ERROR(ParseSiluGatedMlp(r, c));
  RETURN_IF_ERROR(ParseLayerTypes(r, c));
  // Before transformers 5, Qwen3 expressed sliding layers as use_sliding_window + max_window_layers.
  ASSIGN_OR_RETURN(auto use_sliding, r.Bool("use_sliding_window"));
  if (!r.Has("layer_types") && use_sliding.value_or(false)) {
    ASSIGN_OR_RETURN(auto max_window_layers, r.Int("max_window_layers"));
    for (int i = 0; i < c->num_layers; ++i) c->layer_sliding[i] = i >= max_window_layers.value_or(0);
    ASSIGN_OR_RETURN(auto window, r.Int("sliding_window"));
    if (!window || *window <= 0 || *window > (int64_t{1} << 30))
      return InvalidArgumentError(r.Where("sliding_window") + " must be between 1 and 1073741824");
    c->sliding_window = static_cast<int>(*window);
  }
  RETURN_IF_ERROR(ParseRope(r, "full_attention", "rope_theta", 10000.0, true, &c->rope_global));
  c->rope_local = c->rope_global;
  return Status::Ok();
}

}  // namespace litertlm
