#include <filesystem>

#include "api/model_impl.h"
#include "format/hf_checkpoint.h"
#include "kernels/blas.h"
#include "model/tensor_table.h"
#include "util/status_macros.h"

namespace litertlm {

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
const ModelInfo& Model::info() const { return impl_->info; }

StatusOr<std::unique_ptr<Model::Impl>> BuildModelImpl(ModelConfig config,
                                                      std::unique_ptr<WeightSource> source,
                                                      const std::string& origin,
                                                      const LoadOptions& options) {
  auto impl = std::make_unique<Model::Impl>();
  ASSIGN_OR_RETURN(impl->weights, LoadModelWeights(config, *source));
  impl->config = std::move(config);
  impl->source = std::move(source);
  impl->options = options;
  const ModelConfig& c = impl->config;
  ModelInfo& info = impl->info;
  info.architecture = c.architecture;
  info.source_path = origin;
  info.weight_format = std::string(DTypeName(impl->weights->layers.empty()
                                                 ? impl->weights->embedding.dtype
                                                 : impl->weights->layers[0].q_proj.dtype));
  info.vocab_size = c.vocab_size;
  info.hidden_size = c.hidden_size;
  info.intermediate_size = c.intermediate_size;
  info.num_layers = c.num_layers;
  info.num_heads = c.num_heads;
  info.num_kv_heads = c.num_kv_heads;
  info.head_dim = c.head_dim;
  info.max_context = c.max_position_embeddings;
  for (const TensorSpec& spec : ExpectedTensors(c)) {
    int64_t n = 1;
    for (int64_t d : spec.shape) n *= d;
    info.num_parameters += n;
  }
  impl->transformer = std::make_unique<Transformer>(impl->config, *impl->weights);
  return impl;
}

StatusOr<std::shared_ptr<const Model>> ModelLoader::Load(const std::string& path,
                                                         const LoadOptions& options) {
  if (options.num_threads < 0) return InvalidArgumentError("num_threads must be ≥ 0");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFoundError(path + ": no such file or directory");
  if (!IsHfCheckpointDir(path)) {
    return InvalidArgumentError(path + ": not a model (expected a checkpoint directory with config.json)");
  }
  ASSIGN_OR_RETURN(HfCheckpoint ckpt, OpenHfCheckpoint(path));
  ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(ckpt.config_json, ckpt.config_path));
  ASSIGN_OR_RETURN(auto impl, BuildModelImpl(std::move(config), std::move(ckpt.weights), path, options));
  if (options.num_threads > 0) BlasSetNumThreads(options.num_threads);
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(impl)));
}

}  // namespace litertlm
