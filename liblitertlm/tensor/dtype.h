// Element types of stored tensors. Numbers are stable: they are written into .litertlm files.
#ifndef LITERTLM_TENSOR_DTYPE_H_
#define LITERTLM_TENSOR_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace litertlm {

enum class DType : uint8_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kI8 = 3,           // int8, symmetric, one fp32 scale per row (output channel)
  kI4Block32 = 4,    // int4, symmetric, one scale per 32 inputs along the row
  kI4Block128 = 5,   // int4, symmetric, one scale per 128 inputs along the row
  kI32 = 6,
  kI64 = 7,
  kF64 = 8,
};

// How a matrix's bytes are arranged (kernels/matrix.h, kernels/pack.h, WEIGHTS_FORMAT.md):
// kRowMajor = the plain row-major encoding of kernels/quantize.h; kPacked4x64 = the interleaved
// layout the kernels stream. The numbers are stored in .litertlm files and MUST NOT change.
// kInt4Rows16 is an in-memory layout only (int4 matrices are re-laid out into it at load, see
// kernels/pack.h); it is never written to a file and readers reject it.
enum class TensorLayout : uint8_t {
  kRowMajor = 0,
  kPacked4x64 = 1,
  kInt4Rows16 = 2,
};

std::string_view DTypeName(DType t);
// Bytes per element for the plain types; 0 for the block-quantized ones.
size_t DTypeSize(DType t);

}  // namespace litertlm

#endif  // LITERTLM_TENSOR_DTYPE_H_
