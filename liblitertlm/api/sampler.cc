// Public facade of include/litertlm/sampler.h; the sampler (and the base class's destructor)
// lives in sampling/.
#include <memory>
#include <optional>
#include <string_view>

#include "litertlm/sampler.h"
#include "sampling/sampler_impl.h"
#include "util/status_macros.h"

namespace litertlm {

StatusOr<std::unique_ptr<Sampler>> Sampler::Create(const SamplerOptions& options) {
  RETURN_IF_ERROR(ValidateSamplerOptions(options));
  return std::unique_ptr<Sampler>(std::make_unique<SamplerImpl>(options));
}

std::optional<SamplerOptions> DefaultSamplerOptions(std::string_view architecture) {
  SamplerOptions o;
  if (architecture == "Qwen3ForCausalLM") {
    o.temperature = 0.6f;
    o.top_k = 20;
    o.top_p = 0.95f;
    return o;
  }
  if (architecture == "Gemma3ForCausalLM" || architecture == "Gemma3ForConditionalGeneration") {
    o.temperature = 1.0f;
    o.top_k = 1;
    o.top_p = 0.95f;
    return o;
  }
  return std::nullopt;
}

}  // namespace litertlm
