// Navigation helpers over one subgraph of a TfliteModel: who produces and who consumes each
// tensor, constants and their values, tracing through shape-only ops. Used by the importer.
#ifndef LITERTLM_FORMAT_TFLITE_GRAPH_H_
#define LITERTLM_FORMAT_TFLITE_GRAPH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "format/tflite_model.h"
#include "format/tflite_schema_generated.h"

namespace litertlm::format {

class TfliteGraph {
 public:
  TfliteGraph(const TfliteModel& model, const tflite::SubGraph& sg, std::string signature);

  const TfliteModel& model() const { return model_; }
  const std::string& signature() const { return signature_; }
  int NumOps() const { return static_cast<int>(ops_.size()); }
  int NumTensors() const { return static_cast<int>(tensors_.size()); }
  const tflite::Operator& Op(int op) const { return *ops_[op]; }
  int Code(int op) const { return codes_[op]; }
  // Input / output `i` of `op`, or -1 (absent or out of range).
  int In(int op, int i) const;
  int Out(int op, int i) const;
  int NumIn(int op) const;
  const tflite::Tensor* Tensor(int t) const;
  std::vector<int64_t> Shape(int t) const;
  std::string TensorName(int t) const;
  // "op 12 (FULLY_CONNECTED) of signature 'decode'".
  std::string Where(int op) const;

  int Producer(int t) const;  // op index or -1
  const std::vector<int>& Consumers(int t) const;
  bool IsConst(int t) const;
  std::span<const uint8_t> ConstBytes(int t) const;
  // A float32 constant's values (empty when `t` is not a float32 constant).
  std::vector<float> ConstFloats(int t) const;
  std::vector<int32_t> ConstInts(int t) const;
  // Follows input 0 backwards through RESHAPE / TRANSPOSE / CAST-free shape ops and through a
  // CONCATENATION of one tensor with itself, to the tensor that carries the values.
  int BackThrough(int t) const;
  // The first consumer of `t` (through RESHAPE) with code `code`, or -1.
  int ConsumerWithCode(int t, TfliteOp code) const;

 private:
  const TfliteModel& model_;
  std::string signature_;
  std::vector<const tflite::Operator*> ops_;
  std::vector<int> codes_;
  std::vector<const tflite::Tensor*> tensors_;
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_TFLITE_GRAPH_H_
