// Per-tensor conversion for the converter: which stored dtype a tensor gets for a --quantize
// value, and the conversion itself (source dtype F32/F16/BF16 → stored layout of
// kernels/quantize.h). One tensor at a time: the caller owns the buffers and reuses them.
//
// Rules: norms and biases → kF32; the embedding table and the output projection → at least kI8
// (kF32/kF16 when the format is fp32/fp16; never int4); projections → the format's dtype, except
// int4 formats on a tensor whose input size is not a multiple of 128 (the int4 layout's group),
// which stay kI8 (the caller counts those).
#ifndef LITERTLM_CONVERTER_TENSOR_CONVERTER_H_
#define LITERTLM_CONVERTER_TENSOR_CONVERTER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/pack.h"
#include "litertlm/converter.h"
#include "litertlm/status.h"
#include "model/tensor_table.h"
#include "tensor/dtype.h"
#include "tensor/tensor_view.h"

namespace litertlm::converter {

// The dtype the format asks for projections ("int8" and "dynamic_int8" store the same kI8).
DType ProjectionDType(Quantization quantization);

// The stored dtype of a tensor with `role` and `shape` [rows, cols] (or [n] for vectors).
// `*int4_fallback` is set when an int4 format had to keep the tensor at kI8.
DType StoredDType(Quantization quantization, TensorRole role, const std::vector<int64_t>& shape,
                  bool* int4_fallback);

// Buffers reused across tensors.
struct ConvertedTensor {
  std::vector<float> widened;  // fp32 copy of an F16/BF16 source
  std::vector<uint8_t> data;
  std::vector<float> scales;
  std::unique_ptr<PackedMatrix> packed;
};

// Converts `source` (F32, F16 or BF16, shape matching `spec`) to `target`; the returned view
// points into `out` (or into `source` when no conversion is needed). Errors name the tensor.
StatusOr<TensorView> ConvertTensor(const TensorSpec& spec, const TensorView& source, DType target,
                                   ConvertedTensor& out);

// Re-lays a rank-2 kI8 / kI4Block* / kF16 / kBF16 tensor from ConvertTensor into the
// TensorLayout::kPacked4x64 layout the kernels stream (kernels/pack.h), so the loader uses the
// file's bytes in place; the result points into `out.packed`. Other tensors are returned as they
// are. Errors name the tensor.
StatusOr<TensorView> PackForStorage(const TensorSpec& spec, const TensorView& stored,
                                    ConvertedTensor& out);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_TENSOR_CONVERTER_H_
