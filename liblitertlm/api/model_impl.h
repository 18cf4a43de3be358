// Model::Impl: everything a loaded model holds. Private to the library.
#ifndef LITERTLM_API_MODEL_IMPL_H_
#define LITERTLM_API_MODEL_IMPL_H_

#include <memory>
#include <mutex>
#include <string>

#include "format/weight_source.h"
#include "litertlm/model.h"
#include "model/model_config.h"
#include "model/model_weights.h"
#include "model/transformer.h"
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

// Builds the Impl from a parsed config and a weight source (shared by every file format).
StatusOr<std::unique_ptr<Model::Impl>> BuildModelImpl(ModelConfig config,
                                                      std::unique_ptr<WeightSource> source,
                                                      const std::string& origin,
                                                      const LoadOptions& options,
                                                      const WeightLoadOptions& weight_options = {});

// The model file kinds ModelLoader::Load accepts.
// kTflite: a plain .tflite file (a TFLite "TFL3" FlatBuffer), or a directory without config.json
// holding exactly one *.tflite file.
enum class ModelFileKind { kCheckpointDir, kLitertlm, kGguf, kTflite, kUnknown };
ModelFileKind DetectModelFileKind(const std::string& path);

}  // namespace litertlm

#endif  // LITERTLM_API_MODEL_IMPL_H_
