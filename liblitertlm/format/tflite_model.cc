#include "format/tflite_model.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "format/tflite_schema_generated.h"

namespace litertlm::format {
namespace {

struct OpName {
  TfliteOp op;
  std::string_view name;
};

constexpr std::array<OpName, 32> kOpNames = {{
    {TfliteOp::kAdd, "ADD"}, {TfliteOp::kConcatenation, "CONCATENATION"},
    {TfliteOp::kEmbeddingLookup, "EMBEDDING_LOOKUP"}, {TfliteOp::kFullyConnected, "FULLY_CONNECTED"},
    {TfliteOp::kLogistic, "LOGISTIC"}, {TfliteOp::kMul, "MUL"}, {TfliteOp::kReshape, "RESHAPE"},
    {TfliteOp::kSoftmax, "SOFTMAX"}, {TfliteOp::kTanh, "TANH"}, {TfliteOp::kCustom, "CUSTOM"},
    {TfliteOp::kTranspose, "TRANSPOSE"}, {TfliteOp::kSub, "SUB"}, {TfliteOp::kDiv, "DIV"},
    {TfliteOp::kCast, "CAST"}, {TfliteOp::kLess, "LESS"}, {TfliteOp::kGreater, "GREATER"},
    {TfliteOp::kSlice, "SLICE"}, {TfliteOp::kSin, "SIN"}, {TfliteOp::kPack, "PACK"},
    {TfliteOp::kLogicalAnd, "LOGICAL_AND"}, {TfliteOp::kCos, "COS"}, {TfliteOp::kSelectV2, "SELECT_V2"},
    {TfliteOp::kBatchMatmul, "BATCH_MATMUL"}, {TfliteOp::kGelu, "GELU"},
    {TfliteOp::kDynamicUpdateSlice, "DYNAMIC_UPDATE_SLICE"},
    {TfliteOp::kStablehloComposite, "STABLEHLO_COMPOSITE"}, {TfliteOp::kGreaterEqual, "GREATER_EQUAL"},
    {TfliteOp::kLessEqual, "LESS_EQUAL"}, {TfliteOp::kSelect, "SELECT"}, {TfliteOp::kGatherNd, "GATHER_ND"},
    {TfliteOp::kReduceAll, "REDUCE_ALL"}, {TfliteOp::kMinimum, "MINIMUM"},
}};

// The verifier's limits: LLM graphs have a few thousand tensors and operators per subgraph and a
// few hundred subgraphs; these bounds leave ample room and still stop a hostile nesting.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 50'000'000;

}  // namespace

std::string TfliteOpName(int32_t code) {
  for (const OpName& n : kOpNames) {
    if (static_cast<int32_t>(n.op) == code) return std::string(n.name);
  }
  return "BUILTIN_" + std::to_string(code);
}

StatusOr<std::unique_ptr<TfliteModel>> TfliteModel::Open(std::span<const uint8_t> bytes, std::string origin) {
  if (bytes.size() < 8) return InvalidArgumentError(origin + ": too small to be a TFLite model");
  // The FlatBuffer part must fit the verifier's 2 GiB limit; buffers stored after it need not.
  const size_t fb_size = std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), tflite::ModelIdentifier())) {
    return InvalidArgumentError(origin + ": not a TFLite model (no \"TFL3\" identifier)");
  }
  flatbuffers::Verifier verifier(bytes.data(), fb_size, kMaxDepth, kMaxTables);
  if (!tflite::VerifyModelBuffer(verifier)) {
    return InvalidArgumentError(origin + ": the TFLite FlatBuffer does not verify (corrupt or truncated)");
  }
  std::unique_ptr<TfliteModel> m(new TfliteModel());
  m->origin_ = std::move(origin);
  m->bytes_ = bytes;
  m->model_ = tflite::GetModel(bytes.data());
  if (m->model_->version() != 3) {
    return InvalidArgumentError(m->origin_ + ": TFLite schema version " + std::to_string(m->model_->version()) +
                                " (only version 3 is supported)");
  }
  if (m->model_->subgraphs() == nullptr || m->model_->buffers() == nullptr ||
      m->model_->operator_codes() == nullptr) {
    return InvalidArgumentError(m->origin_ + ": TFLite model has no subgraphs, buffers or operator codes");
  }
  if (Status s = m->CheckBuffers(); !s.ok()) return s;
  return m;
}

Status TfliteModel::CheckBuffers() const {
  const auto& buffers = *model_->buffers();
  for (flatbuffers::uoffset_t i = 0; i < buffers.size(); ++i) {
    const tflite::Buffer* b = buffers.Get(i);
    if (b == nullptr || b->offset() == 0) continue;
    // offset/size: bytes after the FlatBuffer, counted from the model's first byte.
    if (b->offset() <= 1 || b->size() > bytes_.size() || b->offset() > bytes_.size() - b->size()) {
      return InvalidArgumentError(origin_ + ": buffer " + std::to_string(i) + " (offset " +
                                  std::to_string(b->offset()) + ", size " + std::to_string(b->size()) +
                                  ") lies outside the model's " + std::to_string(bytes_.size()) + " bytes");
    }
  }
  // Every tensor's buffer index must name a buffer.
  for (const tflite::SubGraph* sg : *model_->subgraphs()) {
    if (sg == nullptr || sg->tensors() == nullptr) continue;
    for (const tflite::Tensor* t : *sg->tensors()) {
      if (t != nullptr && t->buffer() >= buffers.size()) {
        return InvalidArgumentError(origin_ + ": tensor '" + (t->name() ? t->name()->str() : "") +
                                    "' names buffer " + std::to_string(t->buffer()) + " of " +
                                    std::to_string(buffers.size()));
      }
    }
  }
  return Status::Ok();
}

int32_t TfliteModel::OpCode(const tflite::Operator& op) const {
  const auto& codes = *model_->operator_codes();
  if (op.opcode_index() >= codes.size()) return -1;
  const tflite::OperatorCode* c = codes.Get(op.opcode_index());
  return std::max<int32_t>(c->builtin_code(), c->deprecated_builtin_code());
}

std::vector<std::string> TfliteModel::SignatureKeys() const {
  std::vector<std::string> keys;
  if (model_->signature_defs() == nullptr) return keys;
  for (const tflite::SignatureDef* sd : *model_->signature_defs()) {
    if (sd->signature_key() != nullptr) keys.push_back(sd->signature_key()->str());
  }
  return keys;
}

const tflite::SubGraph* TfliteModel::SignatureSubgraph(std::string_view key) const {
  if (model_->signature_defs() == nullptr) return nullptr;
  for (const tflite::SignatureDef* sd : *model_->signature_defs()) {
    if (sd->signature_key() == nullptr || sd->signature_key()->string_view() != key) continue;
    if (sd->subgraph_index() >= model_->subgraphs()->size()) return nullptr;
    return model_->subgraphs()->Get(sd->subgraph_index());
  }
  return nullptr;
}

std::optional<int32_t> TfliteModel::SignatureTensor(std::string_view key, std::string_view name,
                                                    bool input) const {
  if (model_->signature_defs() == nullptr) return std::nullopt;
  for (const tflite::SignatureDef* sd : *model_->signature_defs()) {
    if (sd->signature_key() == nullptr || sd->signature_key()->string_view() != key) continue;
    const auto* maps = input ? sd->inputs() : sd->outputs();
    if (maps == nullptr) return std::nullopt;
    for (const tflite::TensorMap* tm : *maps) {
      if (tm->name() != nullptr && tm->name()->string_view() == name)
        return static_cast<int32_t>(tm->tensor_index());
    }
  }
  return std::nullopt;
}

std::span<const uint8_t> TfliteModel::BufferBytes(uint32_t index) const {
  const auto& buffers = *model_->buffers();
  if (index == 0 || index >= buffers.size()) return {};
  const tflite::Buffer* b = buffers.Get(index);
  if (b == nullptr) return {};
  if (b->offset() > 1) return bytes_.subspan(b->offset(), b->size());  // checked at Open
  if (b->data() == nullptr) return {};
  return {b->data()->data(), b->data()->size()};
}

std::span<const uint8_t> TfliteModel::TensorBytes(const tflite::Tensor& tensor) const {
  return BufferBytes(tensor.buffer());
}

}  // namespace litertlm::format
