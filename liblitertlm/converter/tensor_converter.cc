#include "converter/tensor_converter.h"

#include <cstring>
#include <string>
#include <utility>

#include "format/weights_layout.h"
#include "kernels/quantize.h"
#include "util/half.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

// A pointer to `source` as fp32: in place for F32, else widened into `widened`.
StatusOr<const float*> AsF32(const TensorSpec& spec, const TensorView& source,
                             std::vector<float>& widened) {
  const int64_t n = source.NumElements();
  switch (source.dtype) {
    case DType::kF32:
      if (reinterpret_cast<uintptr_t>(source.data.data()) % alignof(float) == 0) {
        return reinterpret_cast<const float*>(source.data.data());
      }
      widened.resize(n);
      std::memcpy(widened.data(), source.data.data(), n * sizeof(float));
      return widened.data();
    case DType::kF16:
    case DType::kBF16: {
      widened.resize(n);
      const uint8_t* p = source.data.data();
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        widened[i] = source.dtype == DType::kF16 ? F16ToF32(h) : Bf16ToF32(h);
      }
      return widened.data();
    }
    default:
      return InvalidArgumentError("tensor '" + spec.name + "' has dtype " +
                                  std::string(DTypeName(source.dtype)) +
                                  "; the converter reads F32, F16 and BF16");
  }
}

}  // namespace

DType ProjectionDType(Quantization quantization) {
  switch (quantization) {
    case Quantization::kDynamicInt8:
    case Quantization::kInt8:
      return DType::kI8;
    case Quantization::kDynamicInt4Block32:
      return DType::kI4Block32;
    case Quantization::kDynamicInt4Block128:
      return DType::kI4Block128;
    case Quantization::kFp16:
      return DType::kF16;
    case Quantization::kFp32:
      return DType::kF32;
  }
  return DType::kI8;
}

DType StoredDType(Quantization quantization, TensorRole role, const std::vector<int64_t>& shape,
                  bool* int4_fallback) {
  *int4_fallback = false;
  if (role == TensorRole::kNorm || role == TensorRole::kBias || shape.size() != 2) {
    return DType::kF32;
  }
  const DType format = ProjectionDType(quantization);
  if (role == TensorRole::kEmbedding || role == TensorRole::kOutput) {
    return IsInt4(format) ? DType::kI8 : format;  // never below int8
  }
  if (shape[1] % NumberFormatOf(format).row_group != 0) {
    *int4_fallback = true;
    return DType::kI8;
  }
  return format;
}

StatusOr<TensorView> ConvertTensor(const TensorSpec& spec, const TensorView& source, DType target,
                                   ConvertedTensor& out) {
  if (source.shape != spec.shape) {
    return InvalidArgumentError("tensor '" + spec.name + "' has shape " +
                                ShapeToString(source.shape) + ", the config implies " +
                                ShapeToString(spec.shape));
  }
  if (target == source.dtype && target == DType::kF32) return source;
  ASSIGN_OR_RETURN(const float* w, AsF32(spec, source, out.widened));
  TensorView result;
  result.dtype = target;
  result.shape = spec.shape;
  if (target == DType::kF32) {
    const size_t bytes = source.NumElements() * sizeof(float);
    out.data.resize(bytes);
    std::memcpy(out.data.data(), w, bytes);
    result.data = out.data;
    return result;
  }
  if (spec.shape.size() != 2) {
    return InvalidArgumentError("tensor '" + spec.name + "': only matrices can be stored as " +
                                std::string(DTypeName(target)));
  }
  StatusOr<QuantizedMatrix> q = QuantizeMatrix(w, spec.shape[0], spec.shape[1], target);
  if (!q.ok()) {
    return Status(q.status().code(), "tensor '" + spec.name + "': " + q.status().message());
  }
  out.data = std::move(q->data);
  out.scales = std::move(q->scales);
  result.data = out.data;
  result.scales = out.scales;
  return result;
}

StatusOr<TensorView> PackForStorage(const TensorSpec& spec, const TensorView& stored,
                                    ConvertedTensor& out) {
  const DType t = stored.dtype;
  if (!NumberFormatOf(t).packable || stored.shape.size() != 2 || stored.layout != TensorLayout::kRowMajor) {
    return stored;
  }
  Matrix m;
  m.dtype = t;
  m.rows = stored.shape[0];
  m.cols = stored.shape[1];
  m.data = stored.data.data();
  m.scales = stored.scales.empty() ? nullptr : stored.scales.data();
  StatusOr<std::unique_ptr<PackedMatrix>> packed = PackMatrix(m);
  if (!packed.ok()) {
    return Status(packed.status().code(), "tensor '" + spec.name + "': " + packed.status().message());
  }
  out.packed = std::move(packed).value();
  ASSIGN_OR_RETURN(format::TensorByteSizes sizes,
                   format::ComputeTensorByteSizes(t, stored.shape, spec.name,
                                                  TensorLayout::kPacked4x64));
  const Matrix& v = out.packed->view;
  TensorView result;
  result.dtype = t;
  result.shape = stored.shape;
  result.layout = TensorLayout::kPacked4x64;
  result.data = {static_cast<const uint8_t*>(v.data), sizes.data};
  if (sizes.scales > 0) result.scales = {v.scales, sizes.scales / sizeof(float)};
  if (sizes.row_sums > 0) result.row_sums = {v.row_sums, sizes.row_sums / sizeof(int32_t)};
  return result;
}

}  // namespace litertlm::converter
