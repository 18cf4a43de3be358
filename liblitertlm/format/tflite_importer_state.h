// Internal to format/: the state of one TFLite LLM import (format/tflite_importer.h), shared by
// its two halves: the graph pattern analysis (tflite_importer.cc: ops, KV caches, attention, MLP,
// norms, RoPE and the hyper-parameters) and the weight mapping (tflite_weight_mapping.cc: each
// FULLY_CONNECTED / embedding / norm constant to its Hugging Face name, int8 and int4 scales).
#ifndef LITERTLM_FORMAT_TFLITE_IMPORTER_STATE_H_
#define LITERTLM_FORMAT_TFLITE_IMPORTER_STATE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/tflite_graph.h"
#include "format/tflite_importer.h"

namespace litertlm::format::tflite_import {

// The signature whose graph is read (what LiteRT-LM runs for each generated token).
inline constexpr std::string_view kDecode = "decode";

// A FULLY_CONNECTED op of the decode graph: op index and its input, output and weight tensors.
struct Fc {
  int op = -1;
  int input = -1, output = -1, weight = -1;
};

// An odml.rms_norm composite: op index, tensors, epsilon.
struct Norm {
  int op = -1;
  int input = -1, output = -1, weight = -1;
  float epsilon = 0;
};

// What the analysis found for one transformer layer.
struct Layer {
  int k = -1, v = -1, q = -1, qkv = -1, o = -1, gate = -1, up = -1, down = -1;  // indices into fcs
  int dus_k = -1, dus_v = -1, qk_bmm = -1;                                        // op indices
  bool sliding = false;
  std::vector<float> inv_freq;
};

// One import: Run() analyses the graph, builds the config, maps the weights.
class Importer {
 public:
  Importer(const TfliteModel& model, const tflite::SubGraph& sg) : g_(model, sg, std::string(kDecode)) {}
  StatusOr<std::unique_ptr<TfliteImport>> Run(const ModelFamily* family_hint);

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError(g_.model().origin() + ": " + what);
  }
  Status CheckOps();
  Status FindCaches();
  void PeelSoftCap();
  int WeightConst(int t) const;
  Status CollectOps();
  Status ClassifyAttention();
  Status ClassifyMlp();
  Status FindAttentionDetails(int layer);
  Status FindCompositeAttention(int layer);
  int WindowOfSelect(int select) const;
  bool IsSdpa(int op) const { return std::find(sdpa_.begin(), sdpa_.end(), op) != sdpa_.end(); }
  StatusOr<std::vector<float>> RopeOf(int layer);
  StatusOr<int> NormFeeding(int tensor, const std::string& what) const;
  int NormReading(int tensor) const;
  int NormOnPathTo(int tensor) const;
  int QkNorm(size_t layer, bool key) const;
  Status AddWeight(const std::string& name, int tensor, int64_t row_begin = 0, int64_t rows = -1);
  Status AddInt4Weight(const std::string& name, int tensor, int64_t row_begin, int64_t rows);
  StatusOr<std::vector<float>> Int4Scales(const std::string& name, int tensor, int64_t rows, int64_t cols,
                                          int64_t* block) const;
  Status AddNorm(const std::string& name, int norm_index);
  Status BuildConfig(const ModelFamily* family_hint);
  Status MapWeights();
  std::vector<std::pair<int, bool>> ReachedCaches(int tensor) const;

  TfliteGraph g_;
  std::vector<int> kv_k_, kv_v_;  // tensor indices of the cache inputs
  std::vector<Fc> fcs_;
  std::vector<Norm> norms_;
  std::vector<int> sdpa_;  // odml.scaled_dot_product_attention composites (classic export)
  std::vector<Layer> layers_;
  int embedding_ = -1;  // table tensor
  int embedding_out_ = -1;
  int lm_head_ = -1;    // index into fcs_
  int logits_ = -1;
  std::optional<double> final_softcap_;
  int head_dim_ = 0, num_kv_heads_ = 0, kv_len_ = 0;
  double attention_scale_ = 0;
  int sliding_window_ = 0;
  Activation activation_ = Activation::kSilu;
  std::unique_ptr<TfliteImport> out_ = std::make_unique<TfliteImport>();
};

}  // namespace litertlm::format::tflite_import

#endif  // LITERTLM_FORMAT_TFLITE_IMPORTER_STATE_H_
