// OpenBLAS, behind a narrow interface: blas.cc is the only file that includes <cblas.h>.
#ifndef LITERTLM_KERNELS_BLAS_H_
#define LITERTLM_KERNELS_BLAS_H_

#include <cstdint>
#include <string_view>

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

// x86 vector instruction levels, in order: what an OpenBLAS core computes with and what a CPU
// runs (only the width and fused multiply-add matter for sgemm).
enum class VectorLevel { kUnknown = 0, kSse = 1, kAvx = 2, kAvx2Fma = 3, kAvx512 = 4 };

// The level OpenBLAS's x86-64 core `name` (as BlasCoreName() returns it, any case) computes with:
// kAvx512 for SkylakeX, Cooperlake and SapphireRapids; kAvx2Fma for Haswell, Zen and Excavator;
// kAvx for Sandybridge, Bulldozer, Piledriver and Steamroller; kSse for the older cores
// (Prescott, Core2, Nehalem, Barcelona, ...); kUnknown for any other name.
VectorLevel BlasCoreLevel(std::string_view name);

// The best level this CPU (and OS) runs.
VectorLevel CpuVectorLevel();

// "avx512", "avx2", "avx", "sse"; "" for kUnknown.
const char* VectorLevelName(VectorLevel level);

// True when OpenBLAS's core computes at a lower level than the CPU runs: an OpenBLAS that does
// not know the CPU model (0.3.21 on Emerald Rapids) falls back to its Prescott (SSE3) core, and
// fp32 products run at a fraction of the CPU's speed. OPENBLAS_CORETYPE overrides its choice.
bool BlasCoreBelowCpu();

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_BLAS_H_
