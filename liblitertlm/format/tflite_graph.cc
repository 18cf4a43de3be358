#include "format/tflite_graph.h"

#include <cstring>

namespace litertlm::format {

TfliteGraph::TfliteGraph(const TfliteModel& model, const tflite::SubGraph& sg, std::string signature)
    : model_(model), signature_(std::move(signature)) {
  if (sg.tensors() != nullptr) {
    for (const tflite::Tensor* t : *sg.tensors()) tensors_.push_back(t);
  }
  producer_.assign(tensors_.size(), -1);
  consumers_.resize(tensors_.size());
  if (sg.operators() == nullptr) return;
  for (const tflite::Operator* op : *sg.operators()) {
    const int index = static_cast<int>(ops_.size());
    ops_.push_back(op);
    codes_.push_back(model.OpCode(*op));
    if (op->outputs() != nullptr) {
      for (int32_t t : *op->outputs()) {
        if (t >= 0 && t < NumTensors()) producer_[t] = index;
      }
    }
    if (op->inputs() != nullptr) {
      for (int32_t t : *op->inputs()) {
        if (t >= 0 && t < NumTensors()) consumers_[t].push_back(index);
      }
    }
  }
}

int TfliteGraph::In(int op, int i) const {
  const auto* v = ops_[op]->inputs();
  if (v == nullptr || i < 0 || i >= static_cast<int>(v->size())) return -1;
  const int t = v->Get(i);
  return t >= 0 && t < NumTensors() ? t : -1;
}

int TfliteGraph::Out(int op, int i) const {
  const auto* v = ops_[op]->outputs();
  if (v == nullptr || i < 0 || i >= static_cast<int>(v->size())) return -1;
  const int t = v->Get(i);
  return t >= 0 && t < NumTensors() ? t : -1;
}

int TfliteGraph::NumIn(int op) const {
  const auto* v = ops_[op]->inputs();
  return v == nullptr ? 0 : static_cast<int>(v->size());
}

const tflite::Tensor* TfliteGraph::Tensor(int t) const {
  return t >= 0 && t < NumTensors() ? tensors_[t] : nullptr;
}

std::vector<int64_t> TfliteGraph::Shape(int t) const {
  std::vector<int64_t> shape;
  const tflite::Tensor* tensor = Tensor(t);
  if (tensor == nullptr || tensor->shape() == nullptr) return shape;
  for (int32_t d : *tensor->shape()) shape.push_back(d);
  return shape;
}

std::string TfliteGraph::TensorName(int t) const {
  const tflite::Tensor* tensor = Tensor(t);
  if (tensor == nullptr) return "tensor " + std::to_string(t);
  std::string name = tensor->name() ? tensor->name()->str() : "";
  if (name.size() > 80) name = "…" + name.substr(name.size() - 60);
  return "tensor " + std::to_string(t) + (name.empty() ? "" : " '" + name + "'");
}

std::string TfliteGraph::Where(int op) const {
  return "op " + std::to_string(op) + " (" + TfliteOpName(codes_[op]) + ") of signature '" + signature_ + "'";
}

int TfliteGraph::Producer(int t) const { return t >= 0 && t < NumTensors() ? producer_[t] : -1; }

const std::vector<int>& TfliteGraph::Consumers(int t) const {
  static const std::vector<int> kNone;
  return t >= 0 && t < NumTensors() ? consumers_[t] : kNone;
}

bool TfliteGraph::IsConst(int t) const { return !ConstBytes(t).empty(); }

std::span<const uint8_t> TfliteGraph::ConstBytes(int t) const {
  const tflite::Tensor* tensor = Tensor(t);
  return tensor == nullptr ? std::span<const uint8_t>() : model_.TensorBytes(*tensor);
}

std::vector<float> TfliteGraph::ConstFloats(int t) const {
  std::span<const uint8_t> b = ConstBytes(t);
  if (b.empty() || Tensor(t)->type() != tflite::TensorType_FLOAT32 || b.size() % 4 != 0) return {};
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

std::vector<int32_t> TfliteGraph::ConstInts(int t) const {
  std::span<const uint8_t> b = ConstBytes(t);
  if (b.empty() || Tensor(t)->type() != tflite::TensorType_INT32 || b.size() % 4 != 0) return {};
  std::vector<int32_t> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

int TfliteGraph::BackThrough(int t) const {
  for (int guard = 0; guard < 64; ++guard) {
    const int op = Producer(t);
    if (op < 0) return t;
    const int code = Code(op);
    if (code == static_cast<int>(TfliteOp::kReshape) || code == static_cast<int>(TfliteOp::kTranspose)) {
      t = In(op, 0);
      continue;
    }
    if (code == static_cast<int>(TfliteOp::kConcatenation) && NumIn(op) > 0) {
      bool same = true;
      for (int i = 1; i < NumIn(op); ++i) same = same && In(op, i) == In(op, 0);
      if (same) {
        t = In(op, 0);
        continue;
      }
    }
    return t;
  }
  return t;
}

int TfliteGraph::ConsumerWithCode(int t, TfliteOp code) const {
  for (int op : Consumers(t)) {
    if (Code(op) == static_cast<int>(code)) return op;
    if (Code(op) == static_cast<int>(TfliteOp::kReshape)) {
      const int inner = ConsumerWithCode(Out(op, 0), code);
      if (inner >= 0) return inner;
    }
  }
  return -1;
}

}  // namespace litertlm::format
