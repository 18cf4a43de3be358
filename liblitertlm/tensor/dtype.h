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

std::string_view DTypeName(DType t);
// Bytes per element for the plain types; 0 for the block-quantized ones.
size_t DTypeSize(DType t);

}  // namespace litertlm

#endif  // LITERTLM_TENSOR_DTYPE_H_
