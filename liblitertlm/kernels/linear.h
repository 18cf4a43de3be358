// The one interface the model uses for its matrix products.
#ifndef LITERTLM_KERNELS_LINEAR_H_
#define LITERTLM_KERNELS_LINEAR_H_

#include <cstdint>

#include "kernels/matrix.h"

namespace litertlm {

// y[m, n] = sum_k x[m, k] * W[n, k] for m < M: x is M × W.cols (row-major, fp32), y is
// M × W.rows. M = 1 is the decode path (a GEMV; never sent through sgemm).
void Linear(const Matrix& w, const float* x, int64_t m, float* y);

// out[k] = W[row, k] as fp32 (embedding lookup), W.cols values.
void MatrixRow(const Matrix& w, int64_t row, float* out);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_LINEAR_H_
