#include "kernels/linear.h"

#include <cstring>

#include "kernels/blas.h"
#include "util/half.h"

namespace litertlm {

void Linear(const Matrix& w, const float* x, int64_t m, float* y) {
  switch (w.dtype) {
    case DType::kF32:
      BlasLinearF32(static_cast<const float*>(w.data), w.rows, w.cols, x, m, y);
      return;
    default:
      // Other formats are widened at load time until their kernels exist; the loader never
      // hands them here.
      std::memset(y, 0, sizeof(float) * static_cast<size_t>(m * w.rows));
      return;
  }
}

void MatrixRow(const Matrix& w, int64_t row, float* out) {
  switch (w.dtype) {
    case DType::kF32:
      std::memcpy(out, static_cast<const float*>(w.data) + row * w.cols,
                  sizeof(float) * static_cast<size_t>(w.cols));
      return;
    case DType::kF16: {
      const uint16_t* p = static_cast<const uint16_t*>(w.data) + row * w.cols;
      for (int64_t k = 0; k < w.cols; ++k) out[k] = F16ToF32(p[k]);
      return;
    }
    case DType::kBF16: {
      const uint16_t* p = static_cast<const uint16_t*>(w.data) + row * w.cols;
      for (int64_t k = 0; k < w.cols; ++k) out[k] = Bf16ToF32(p[k]);
      return;
    }
    default:
      std::memset(out, 0, sizeof(float) * static_cast<size_t>(w.cols));
      return;
  }
}

}  // namespace litertlm
