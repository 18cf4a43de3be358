// OpenBLAS, behind a narrow interface: blas.cc is the only file that includes <cblas.h>.
#ifndef LITERTLM_KERNELS_BLAS_H_
#define LITERTLM_KERNELS_BLAS_H_

#include <cstdint>

namespace litertlm {

// y[M×N] = x[M×K] · W[N×K]ᵀ with fp32 W (row-major). M = 1 uses sgemv (sgemm with M = 1 is
// 30× slower on Debian's OpenBLAS).
void BlasLinearF32(const float* w, int64_t n, int64_t k, const float* x, int64_t m, float* y);

// Sets OpenBLAS's own thread count (it is the only other owner of threads in the process).
void BlasSetNumThreads(int n);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_BLAS_H_
