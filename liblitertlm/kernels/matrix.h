// A weight matrix as the kernels see it: W has `rows` output channels (N) and `cols` inputs (K),
// row-major, in one of the stored DTypes. Non-owning; the Model keeps the bytes alive (mmap or
// its own buffers).
#ifndef LITERTLM_KERNELS_MATRIX_H_
#define LITERTLM_KERNELS_MATRIX_H_

#include <cstdint>

#include "tensor/dtype.h"

namespace litertlm {

struct Matrix {
  DType dtype = DType::kF32;
  int64_t rows = 0;  // N: output features
  int64_t cols = 0;  // K: input features
  const void* data = nullptr;
  const float* scales = nullptr;  // kI8: one per row; kI4Block*: rows × (cols / block)
};

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_MATRIX_H_
