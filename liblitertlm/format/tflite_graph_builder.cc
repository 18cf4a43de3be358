#include "format/tflite_graph_builder.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <flatbuffers/flatbuffers.h>

#include "format/tflite_schema_generated.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

constexpr uint64_t kBufferAlignment = 64;

uint64_t AlignUp(uint64_t n) { return (n + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment; }

}  // namespace

TfliteGraphBuilder::TfliteGraphBuilder(std::string spill_dir) : spill_dir_(std::move(spill_dir)) {
  buffers_.emplace_back();
}

uint32_t TfliteGraphBuilder::AddBuffer(std::span<const uint8_t> bytes) {
  BufferDef b;
  b.size = bytes.size();
  buffer_bytes_ += bytes.size();
  if (!spill_dir_.empty() && bytes.size() >= kSpillBytes && error_.ok()) {
    if (spill_.size() == 0) {
      StatusOr<ScratchFile> file = ScratchFile::Create(spill_dir_);
      if (file.ok()) {
        spill_ = std::move(*file);
      } else {
        error_ = file.status();
      }
    }
    if (error_.ok()) {
      StatusOr<uint64_t> offset = spill_.Append(bytes);
      if (offset.ok()) {
        b.spilled = true;
        b.spill_offset = *offset;
      } else {
        error_ = offset.status();
      }
    }
  }
  if (!b.spilled) b.bytes.assign(bytes.begin(), bytes.end());
  buffers_.push_back(std::move(b));
  return static_cast<uint32_t>(buffers_.size() - 1);
}

int TfliteGraphBuilder::AddSubgraph(std::string name) {
  subgraphs_.push_back(SubgraphDef{std::move(name), {}, {}, {}, {}});
  return static_cast<int>(subgraphs_.size() - 1);
}

int TfliteGraphBuilder::AddTensor(int sg, std::string name, std::vector<int32_t> shape, TfliteType type,
                                  uint32_t buffer, std::vector<float> scales, int quantized_dimension) {
  auto& tensors = subgraphs_[sg].tensors;
  tensors.push_back(TensorDef{std::move(name), std::move(shape), type, buffer, std::move(scales), quantized_dimension});
  return static_cast<int>(tensors.size() - 1);
}

int TfliteGraphBuilder::AddBlockwiseInt4Tensor(int sg, std::string name, std::vector<int32_t> shape, uint32_t buffer,
                                           int scales_tensor, int block_size) {
  const int t = AddTensor(sg, std::move(name), std::move(shape), TfliteType::kInt4, buffer);
  subgraphs_[sg].tensors[t].block_size = block_size;
  subgraphs_[sg].tensors[t].block_scales = scales_tensor;
  return t;
}

int TfliteGraphBuilder::AddInt32Const(int sg, std::string name, std::vector<int32_t> shape,
                                      std::span<const int32_t> values) {
  const uint32_t buffer = AddBuffer(values.empty()
                                        ? std::span<const uint8_t>()
                                        : std::span(reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()));
  return AddTensor(sg, std::move(name), std::move(shape), TfliteType::kInt32, buffer);
}

int TfliteGraphBuilder::AddFloatConst(int sg, std::string name, std::vector<int32_t> shape,
                                      std::span<const float> values) {
  const uint32_t buffer = AddBuffer(std::span(reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()));
  return AddTensor(sg, std::move(name), std::move(shape), TfliteType::kFloat32, buffer);
}

void TfliteGraphBuilder::AddOp(int sg, int32_t builtin_code, int version, std::vector<int32_t> inputs,
                               std::vector<int32_t> outputs, TfliteOpOptions options) {
  uint32_t index = 0;
  while (index < opcodes_.size() && opcodes_[index] != std::pair{builtin_code, version}) ++index;
  if (index == opcodes_.size()) opcodes_.emplace_back(builtin_code, version);
  subgraphs_[sg].ops.push_back(OpDef{index, std::move(inputs), std::move(outputs), std::move(options)});
}

void TfliteGraphBuilder::SetSubgraphIO(int sg, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  subgraphs_[sg].inputs = std::move(inputs);
  subgraphs_[sg].outputs = std::move(outputs);
}

void TfliteGraphBuilder::AddSignature(std::string key, int sg, std::vector<std::pair<std::string, int32_t>> inputs,
                                      std::vector<std::pair<std::string, int32_t>> outputs) {
  signatures_.push_back(SignatureDef{std::move(key), sg, std::move(inputs), std::move(outputs)});
}

std::vector<uint8_t> TfliteGraphBuilder::BuildFlatbuffer(uint64_t data_base,
                                                         const std::vector<uint64_t>& offsets) const {
  namespace tfl = litertlm::tflite;
  flatbuffers::FlatBufferBuilder fbb(1 << 20);
  fbb.ForceDefaults(true);  // the same size whatever the offsets, so two passes agree

  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
  for (const auto& [code, version] : opcodes_) {
    codes.push_back(tfl::CreateOperatorCodeDirect(fbb, static_cast<int8_t>(code < 127 ? code : 127), nullptr, version,
                                                  code));
  }
  std::vector<flatbuffers::Offset<tfl::SubGraph>> subgraphs;
  for (const SubgraphDef& sg : subgraphs_) {
    std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
    for (const TensorDef& t : sg.tensors) {
      flatbuffers::Offset<tfl::QuantizationParameters> quant = 0;
      if (!t.scales.empty()) {
        const std::vector<int64_t> zero(t.scales.size(), 0);
        quant = tfl::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &t.scales, &zero, tfl::QuantizationDetails_NONE, 0,
                                                           t.quantized_dimension);
      } else if (t.block_size > 0) {
        const auto blockwise = tfl::CreateBlockwiseQuantization(fbb, t.block_scales, -1, t.block_size);
        quant = tfl::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, nullptr, nullptr,
                                                        tfl::QuantizationDetails_BlockwiseQuantization,
                                                        blockwise.Union(), 0);
      }
      tensors.push_back(tfl::CreateTensorDirect(fbb, &t.shape, static_cast<tfl::TensorType>(t.type), t.buffer,
                                                t.name.c_str(), quant));
    }
    std::vector<flatbuffers::Offset<tfl::Operator>> ops;
    for (const OpDef& op : sg.ops) {
      using Kind = TfliteOpOptions::Kind;
      const TfliteOpOptions& o = op.options;
      tfl::BuiltinOptions type = tfl::BuiltinOptions_NONE;
      flatbuffers::Offset<void> options = 0;
      tfl::BuiltinOptions2 type2 = tfl::BuiltinOptions2_NONE;
      flatbuffers::Offset<void> options2 = 0;
      switch (o.kind) {
        case Kind::kNone: break;
        case Kind::kFullyConnected:
          type = tfl::BuiltinOptions_FullyConnectedOptions;
          options = tfl::CreateFullyConnectedOptions(fbb, 0, 0, o.flag, false).Union();
          break;
        case Kind::kSoftmax:
          type = tfl::BuiltinOptions_SoftmaxOptions;
          options = tfl::CreateSoftmaxOptions(fbb, o.beta).Union();
          break;
        case Kind::kConcatenation:
          type = tfl::BuiltinOptions_ConcatenationOptions;
          options = tfl::CreateConcatenationOptions(fbb, o.axis, 0).Union();
          break;
        case Kind::kReducer:
          type = tfl::BuiltinOptions_ReducerOptions;
          options = tfl::CreateReducerOptions(fbb, o.flag).Union();
          break;
        case Kind::kPack:
          type = tfl::BuiltinOptions_PackOptions;
          options = tfl::CreatePackOptions(fbb, o.values_count, o.axis).Union();
          break;
        case Kind::kBatchMatMul:
          type = tfl::BuiltinOptions_BatchMatMulOptions;
          options = tfl::CreateBatchMatMulOptions(fbb, false, o.flag, false).Union();
          break;
        case Kind::kGelu:
          type = tfl::BuiltinOptions_GeluOptions;
          options = tfl::CreateGeluOptions(fbb, o.flag).Union();
          break;
        case Kind::kComposite:
          type2 = tfl::BuiltinOptions2_StableHLOCompositeOptions;
          options2 = tfl::CreateStableHLOCompositeOptionsDirect(fbb, o.composite_name.c_str(), o.decomposition_subgraph,
                                                                &o.composite_attributes, 0, 0)
                         .Union();
          break;
      }
      ops.push_back(tfl::CreateOperatorDirect(fbb, op.opcode_index, &op.inputs, &op.outputs, type, options, nullptr, 0,
                                              nullptr, nullptr, 0, 0, type2, options2));
    }
    subgraphs.push_back(tfl::CreateSubGraphDirect(fbb, &tensors, &sg.inputs, &sg.outputs, &ops, sg.name.c_str()));
  }
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers;
  for (size_t i = 0; i < buffers_.size(); ++i) {
    const uint64_t size = buffers_[i].size;
    buffers.push_back(tfl::CreateBuffer(fbb, 0, size == 0 ? 0 : data_base + offsets[i], size));
  }
  std::vector<flatbuffers::Offset<tfl::SignatureDef>> signatures;
  for (const SignatureDef& s : signatures_) {
    auto maps = [&](const std::vector<std::pair<std::string, int32_t>>& list) {
      std::vector<flatbuffers::Offset<tfl::TensorMap>> out;
      for (const auto& [name, tensor] : list) {
        out.push_back(tfl::CreateTensorMapDirect(fbb, name.c_str(), static_cast<uint32_t>(tensor)));
      }
      return out;
    };
    const auto inputs = maps(s.inputs);
    const auto outputs = maps(s.outputs);
    signatures.push_back(
        tfl::CreateSignatureDefDirect(fbb, &inputs, &outputs, s.key.c_str(), static_cast<uint32_t>(s.subgraph)));
  }
  auto model = tfl::CreateModelDirect(fbb, 3, &codes, &subgraphs, "liblitertlm", &buffers, nullptr, &signatures);
  fbb.Finish(model, "TFL3");
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Status TfliteGraphBuilder::WriteTo(const ByteSink& sink) const {
  RETURN_IF_ERROR(error_);
  // Offsets of the buffers relative to the first one.
  std::vector<uint64_t> offsets(buffers_.size(), 0);
  uint64_t total = 0;
  for (size_t i = 0; i < buffers_.size(); ++i) {
    if (buffers_[i].size == 0) continue;
    offsets[i] = total;
    total = AlignUp(total + buffers_[i].size);
  }
  const std::vector<uint8_t> first = BuildFlatbuffer(0, offsets);
  const uint64_t base = AlignUp(first.size());
  const std::vector<uint8_t> fb = BuildFlatbuffer(base, offsets);
  if (fb.size() != first.size()) {
    return InternalError("TFLite writer: the model FlatBuffer changed size between passes");
  }
  static constexpr uint8_t kZeros[kBufferAlignment] = {};
  RETURN_IF_ERROR(sink(fb));
  uint64_t written = fb.size();
  std::vector<uint8_t> chunk;
  for (size_t i = 0; i < buffers_.size(); ++i) {
    const BufferDef& b = buffers_[i];
    if (b.size == 0) continue;
    RETURN_IF_ERROR(sink(std::span(kZeros, base + offsets[i] - written)));
    if (!b.spilled) {
      RETURN_IF_ERROR(sink(b.bytes));
    } else {
      for (uint64_t done = 0; done < b.size;) {
        chunk.resize(static_cast<size_t>(std::min<uint64_t>(b.size - done, 8 << 20)));
        RETURN_IF_ERROR(spill_.ReadAt(b.spill_offset + done, chunk));
        RETURN_IF_ERROR(sink(chunk));
        done += chunk.size();
      }
    }
    written = base + offsets[i] + b.size;
  }
  return sink(std::span(kZeros, base + total - written));
}

StatusOr<std::vector<uint8_t>> TfliteGraphBuilder::Serialize() const {
  std::vector<uint8_t> out;
  RETURN_IF_ERROR(WriteTo([&out](std::span<const uint8_t> piece) {
    out.insert(out.end(), piece.begin(), piece.end());
    return Status::Ok();
  }));
  return out;
}

}  // namespace litertlm::format
