#include "model/loaded_model.h"

#include <utility>

#include "model/tensor_table.h"
#include "tensor/dtype.h"
#include "util/cpu_info.h"
#include "util/status_macros.h"

namespace litertlm {

std::shared_ptr<ThreadPool> Model::Impl::SharedPool() const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_ == nullptr) {
    pool_ = std::make_shared<ThreadPool>(options.num_threads > 0 ? options.num_threads
                                                                 : DefaultThreadCount());
  }
  return pool_;
}

StatusOr<std::unique_ptr<Model::Impl>> BuildModelImpl(ModelConfig config,
                                                      std::unique_ptr<WeightSource> source,
                                                      const std::string& origin,
                                                      const LoadOptions& options,
                                                      const WeightLoadOptions& weight_options) {
  auto impl = std::make_unique<Model::Impl>();
  WeightLoadOptions load_options = weight_options;  // int4 re-layouts use the load's threads
  load_options.pack_threads = options.num_threads > 0 ? options.num_threads : DefaultThreadCount();
  ASSIGN_OR_RETURN(impl->weights, LoadModelWeights(config, *source, load_options));
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

}  // namespace litertlm
