// Model::Impl: everything a loaded model holds, what the public Model (litertlm/model.h) wraps.
// Private to the library; below api/ so that session/ and converter/ can run a model.
#ifndef LITERTLM_MODEL_LOADED_MODEL_H_
#define LITERTLM_MODEL_LOADED_MODEL_H_

#include <memory>
#include <mutex>
#include <string>

#include "format/model_config.h"
#include "format/weight_source.h"
#include "litertlm/model.h"
#include "model/model_weights.h"
#include "model/transformer.h"
#include "util/impl_access.h"
#include "util/thread_pool.h"

namespace litertlm {

class Model::Impl {
 public:
  ModelConfig config;
  ModelInfo info;
  LoadOptions options;
  std::unique_ptr<WeightSource> source;   // keeps the mapped files alive
  std::unique_ptr<ModelWeights> weights;  // views into `source` or owned conversions
  std::unique_ptr<Transformer> transformer;

  // The thread pool shared by the sessions on this model (one per Engine), with
  // options.num_threads threads (0 = DefaultThreadCount()); started on first use.
  std::shared_ptr<ThreadPool> SharedPool() const;

 private:
  mutable std::mutex pool_mu_;
  mutable std::shared_ptr<ThreadPool> pool_;
};

// The loaded model behind `model` (the public Model keeps it private).
inline const Model::Impl& ImplOf(const Model& model) { return internal::ImplAccess::Of(model); }

// Builds the Impl from a parsed config and a weight source (shared by every file format).
StatusOr<std::unique_ptr<Model::Impl>> BuildModelImpl(ModelConfig config,
                                                      std::unique_ptr<WeightSource> source,
                                                      const std::string& origin,
                                                      const LoadOptions& options,
                                                      const WeightLoadOptions& weight_options = {});

}  // namespace litertlm

#endif  // LITERTLM_MODEL_LOADED_MODEL_H_
