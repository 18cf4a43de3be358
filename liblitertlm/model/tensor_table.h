// The tensors an architecture needs, with their Hugging Face names and shapes. One table drives
// loading, shape checks and conversion.
#ifndef LITERTLM_MODEL_TENSOR_TABLE_H_
#define LITERTLM_MODEL_TENSOR_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "format/model_config.h"

namespace litertlm {

enum class TensorRole {
  kEmbedding,   // [vocab, hidden]; also the output projection when tied
  kOutput,      // lm_head [vocab, hidden] (untied models)
  kLinear,      // a projection [out, in]
  kNorm,        // a norm weight vector: stays fp32
  kBias,        // a bias vector: stays fp32
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  TensorRole role;
};

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config);

// Names of one layer's tensors, for the model builder.
std::string LayerTensorName(int layer, const char* suffix);

}  // namespace litertlm

#endif  // LITERTLM_MODEL_TENSOR_TABLE_H_
