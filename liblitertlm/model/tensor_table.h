// The tensors an architecture needs: one table of rows (tensor_table.cc), each naming the tensor
// (its Hugging Face name), its shape rule, its role (which sets its quantization floor,
// converter/tensor_converter.h StoredDType), the config trait that makes a layer have it, and
// its slot in ModelWeights / LayerWeights. The loader (model_weights.cc LoadModelWeights), the
// converter (which tensors it writes, in this order) and the shape checks all read this table,
// so a new tensor is one row (plus its slot, and the forward-pass block that reads it).
// GGUF files name the same tensors in llama.cpp's terms: format/gguf_weight_source.cc maps
// those names to these.
#ifndef LITERTLM_MODEL_TENSOR_TABLE_H_
#define LITERTLM_MODEL_TENSOR_TABLE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "format/model_config.h"
#include "kernels/matrix.h"
#include "model/model_weights.h"

namespace litertlm {

enum class TensorRole {
  kEmbedding,   // [vocab, hidden]; also the output projection when tied. Never below int8.
  kOutput,      // lm_head [vocab, hidden] (untied models). Never below int8.
  kLinear,      // a projection [out, in]: the quantization asked for
  kNorm,        // a norm weight vector: stays fp32
  kBias,        // a bias vector: stays fp32
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  TensorRole role;
};

// A size a tensor's shape is made of (from ModelConfig).
enum class TensorDim : uint8_t {
  kVocab,     // vocab_size
  kHidden,    // hidden_size (E)
  kFfn,       // intermediate_size (F)
  kHeadDim,   // head_dim (D)
  kQ,         // num_heads · head_dim
  kKv,        // num_kv_heads · head_dim
  kNone,      // no dimension: a vector's second
};

// Which configs have the tensor.
enum class TensorPresence : uint8_t {
  kAlways,
  kAttentionBias,  // config.attention_bias
  kQkNorm,         // config.qk_norm
  kSandwichNorms,  // config.sandwich_norms
  kUntied,         // !config.tie_word_embeddings
};

// One row of the table, for a tensor held by `Slots` (ModelWeights for the globals,
// LayerWeights for a layer's): exactly one of `matrix` (roles kEmbedding, kOutput, kLinear) and
// `vector` (kNorm, kBias) is set.
template <typename Slots>
struct TensorRow {
  const char* name;  // the Hugging Face name; within "model.layers.<i>." for a layer's
  TensorRole role;
  std::array<TensorDim, 2> shape;  // {n, kNone} for a vector
  TensorPresence presence;
  Matrix Slots::*matrix = nullptr;
  const float* Slots::*vector = nullptr;
};

// Before the layers: the embedding. After them: the final norm, lm_head. (The converter writes
// tensors in the order ExpectedTensors lists them.)
std::span<const TensorRow<ModelWeights>> GlobalTensorRows();
std::span<const TensorRow<LayerWeights>> LayerTensorRows();

bool HasTensor(const ModelConfig& config, TensorPresence presence);
std::vector<int64_t> TensorShape(const ModelConfig& config, const std::array<TensorDim, 2>& dims);

// Every tensor of `config`'s model, with its full name and shape: the embedding, each layer's
// rows in order, then the final norm and lm_head.
std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config);

// Names of one layer's tensors, for the model builder.
std::string LayerTensorName(int layer, const char* suffix);

}  // namespace litertlm

#endif  // LITERTLM_MODEL_TENSOR_TABLE_H_
