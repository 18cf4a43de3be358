// A verified, read-only view of a TensorFlow Lite model (tflite_schema.fbs, our subset of the
// public schema v3) held in memory the caller keeps alive — a TFLiteModel section of a .litertlm
// file or a mapped .tflite file. Open() verifies the FlatBuffer and checks every buffer's range
// (inline data, or offset/size of bytes stored after the FlatBuffer) against the model's bytes,
// so BufferBytes() can hand out views into the mapping without copying anything.
#ifndef LITERTLM_FORMAT_TFLITE_MODEL_H_
#define LITERTLM_FORMAT_TFLITE_MODEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <string_view>

#include "litertlm/status.h"

namespace litertlm::tflite {
struct Model;
struct SubGraph;
struct Operator;
struct Tensor;
}  // namespace litertlm::tflite

namespace litertlm::format {

// Public BuiltinOperator numbers the importer uses.
enum class TfliteOp : int32_t {
  kAdd = 0,
  kConcatenation = 2,
  kDequantize = 6,
  kEmbeddingLookup = 7,
  kFullyConnected = 9,
  kLogistic = 14,
  kMul = 18,
  kReshape = 22,
  kSoftmax = 25,
  kTanh = 28,
  kCustom = 32,
  kTranspose = 39,
  kSub = 41,
  kDiv = 42,
  kCast = 53,
  kMinimum = 57,
  kLess = 58,
  kGreater = 61,
  kSlice = 65,
  kGreaterEqual = 62,
  kLessEqual = 63,
  kSelect = 64,
  kSin = 66,
  kPack = 83,
  kLogicalAnd = 86,
  kGatherNd = 107,
  kCos = 108,
  kSelectV2 = 123,
  kBatchMatmul = 126,
  kGelu = 150,
  kReduceAll = 140,
  kDynamicUpdateSlice = 151,
  kStablehloComposite = 206,
};
// "FULLY_CONNECTED", or "BUILTIN_<n>" for numbers this build does not name.
std::string TfliteOpName(int32_t code);

class TfliteModel {
 public:
  // `bytes` is the whole model (FlatBuffer + trailing buffers); `origin` names it in messages
  // ("file.litertlm: TFLiteModel section").
  static StatusOr<std::unique_ptr<TfliteModel>> Open(std::span<const uint8_t> bytes, std::string origin);

  const tflite::Model& model() const { return *model_; }
  const std::string& origin() const { return origin_; }
  std::span<const uint8_t> bytes() const { return bytes_; }
  // The builtin operator number of `op` (max of the deprecated byte and the int field).
  int32_t OpCode(const tflite::Operator& op) const;
  // The signature keys ("prefill_128", "decode", ...), in file order.
  std::vector<std::string> SignatureKeys() const;
  // The subgraph of signature `key`, or nullptr.
  const tflite::SubGraph* SignatureSubgraph(std::string_view key) const;
  // Tensor `index` of the signature's inputs / outputs named `name`, or nullopt.
  std::optional<int32_t> SignatureTensor(std::string_view key, std::string_view name, bool input) const;
  // The bytes of buffer `index` (empty for buffer 0 and for tensors without constant data).
  std::span<const uint8_t> BufferBytes(uint32_t index) const;
  // The constant bytes of `tensor` (empty when it is not a constant).
  std::span<const uint8_t> TensorBytes(const tflite::Tensor& tensor) const;

 private:
  TfliteModel() = default;
  Status CheckBuffers() const;
  std::string origin_;
  std::span<const uint8_t> bytes_;
  const tflite::Model* model_ = nullptr;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_TFLITE_MODEL_H_
