// Public facade of include/litertlm/sampler.h; the sampler (and the base class's destructor)
// lives in sampling/.
#include <memory>
#include <optional>
#include <string_view>

#include "format/model_family.h"
#include "litertlm/sampler.h"
#include "sampling/sampler_impl.h"
#include "util/status_macros.h"

namespace litertlm {

StatusOr<std::unique_ptr<Sampler>> Sampler::Create(const SamplerOptions& options) {
  RETURN_IF_ERROR(ValidateSamplerOptions(options));
  return std::unique_ptr<Sampler>(std::make_unique<SamplerImpl>(options));
}

std::optional<SamplerOptions> DefaultSamplerOptions(std::string_view architecture) {
  const ModelFamily* family = FindFamilyByHfArchitecture(architecture);
  if (family == nullptr) return std::nullopt;
  SamplerOptions o;
  o.temperature = family->sampler.temperature;
  o.top_k = family->sampler.top_k;
  o.top_p = family->sampler.top_p;
  return o;
}

}  // namespace litertlm
