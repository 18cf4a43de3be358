// A non-owning view of one stored tensor: element type, shape (row-major, outermost first) and
// the bytes. For quantized types `scales` points at the fp32 scales (per row for kI8, per block
// for kI4Block*), otherwise it is empty. A matrix stored in TensorLayout::kPacked4x64 (only
// rank-2 kI8 / kI4Block* / kF16 / kBF16; see kernels/pack.h) has `data` and `scales` in the packed
// order and, for kI8, `row_sums` (one int32 per padded row); `shape` stays the logical [N, K].
#ifndef LITERTLM_TENSOR_TENSOR_VIEW_H_
#define LITERTLM_TENSOR_TENSOR_VIEW_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace litertlm {

struct TensorView {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const uint8_t> data;
  std::span<const float> scales;
  TensorLayout layout = TensorLayout::kRowMajor;
  std::span<const int32_t> row_sums;  // kI8 + kPacked4x64 only

  int64_t NumElements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

std::string ShapeToString(const std::vector<int64_t>& shape);

}  // namespace litertlm

#endif  // LITERTLM_TENSOR_TENSOR_VIEW_H_
