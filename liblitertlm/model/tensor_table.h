// The tensors an architecture needs: one table of rows (tensor_table.cc), each naming the tensor
// (its Hugging Face name and llama.cpp's GGUF name), its shape rule, its role (which sets its
// quantization floor, converter/tensor_converter.h StoredDType), the config trait that makes a
// layer have it, and its slot in ModelWeights / LayerWeights. The loader (model_weights.cc
// LoadModelWeights), the converter (which tensors it writes, in this order), the shape checks
// and the GGUF import (GgufTensorNames, handed to format/gguf_weight_source.h) all read this
// table, so a new tensor is one row (plus its slot, and the forward-pass block that reads it).
#ifndef LITERTLM_MODEL_TENSOR_TABLE_H_
#define LITERTLM_MODEL_TENSOR_TABLE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/gguf_weight_source.h"
#include "format/model_config.h"
#include "format/model_family.h"
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
  // llama.cpp's name (within "blk.<i>." for a layer's); null: GGUF files do not hold it.
  const char* gguf;
  TensorRole role;
  std::array<TensorDim, 2> shape;  // {n, kNone} for a vector
  TensorPresence presence;
  Matrix Slots::*matrix = nullptr;
  const float* Slots::*vector = nullptr;
  // llama.cpp's name in the files of a family with sandwich norms, when it differs: llama.cpp
  // names norms by position, so HF's post_attention_layernorm, the pre-MLP norm of a two-norm
  // layer, is its ffn_norm there and its post_attention_norm beside a pre_feedforward_layernorm.
  const char* gguf_with_sandwich_norms = nullptr;
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

// llama.cpp's names of the table's tensors in `family`'s GGUF files (the gguf column; rows of
// sandwich norms only for families that have them), for GgufWeightSource::Open.
std::vector<GgufTensorName> GgufTensorNames(const ModelFamily& family);

// The Hugging Face name of tensor `gguf_name` in a GGUF file of architecture `arch` (by
// GgufTensorNames of its family); nullopt when the architecture or the name is unknown.
std::optional<std::string> GgufToHfTensorName(std::string_view arch, std::string_view gguf_name);

}  // namespace litertlm

#endif  // LITERTLM_MODEL_TENSOR_TABLE_H_
