// OpenBLAS, behind a narrow interface: blas.cc is the only file that includes <cblas.h>.
#ifndef LITERTLM_KERNELS_BLAS_H_
#define LITERTLM_KERNELS_BLAS_H_

#include <cstdint>

namespace litertlm {

// y[M×N] (row stride ldy ≥ N) = x[M×K] · W[N×K]ᵀ with fp32 W (row-major, stride K). M = 1 uses
// sgemv (sgemm with M = 1 is 30× slower on Debian's OpenBLAS).
void BlasLinearF32(const float* w, int64_t n, int64_t k, const float* x, int64_t m, float* y,
                   int64_t ldy);

// C[M×N] (row stride ldc) = alpha · A[M×K] (row stride lda) · op(B) + beta · C, all row-major;
// op(B) = Bᵀ with B stored [N×K] when `b_transposed`, else B stored [K×N] (row stride ldb).
// M = 1 goes to sgemv.
void BlasSgemm(bool b_transposed, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
// Sets OpenBLAS's own thread count. KernelContext sets it to 1: parallelism comes from our
// ThreadPool, which splits N and calls OpenBLAS once per thread, so the process never runs more
// compute threads than the pool's budget (OpenBLAS workers would fight our spinning workers).
void BlasSetNumThreads(int n);

// OpenBLAS's name for the kernel set it picked (e.g. "Cooperlake"), for benchmark logs.
const char* BlasCoreName();

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_BLAS_H_
