#include "kernels/blas.h"

#include <cblas.h>

#include <algorithm>
#include <cctype>
#include <string>

// OpenBLAS's pthread build starts its worker threads when the library is loaded; each then spins
// (sched_yield) for about 2^28 cycles before it sleeps. This is the call OpenBLAS's own fork
// handler makes to stop them. Weak: absent from the serial and OpenMP builds, which need no stop.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace litertlm {

void BlasLinearF32(const float* w, int64_t n, int64_t k, const float* x, int64_t m, float* y,
                   int64_t ldy) {
  if (m == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(n), static_cast<blasint>(k), 1.0f,
                w, static_cast<blasint>(k), x, 1, 0.0f, y, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, x, static_cast<blasint>(k), w,
              static_cast<blasint>(k), 0.0f, y, static_cast<blasint>(ldy));
}

void BlasSgemm(bool b_transposed, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 1) {  // sgemv: sgemm with M = 1 re-packs all of B on every call
    if (b_transposed) {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(n), static_cast<blasint>(k),
                  alpha, b, static_cast<blasint>(ldb), a, 1, beta, c, 1);
    } else {
      cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<blasint>(k), static_cast<blasint>(n),
                  alpha, b, static_cast<blasint>(ldb), a, 1, beta, c, 1);
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

void BlasSetNumThreads(int n) {
  openblas_set_num_threads(n);
  // With one thread OpenBLAS never hands work to its workers, so they only steal cycles: right
  // after the library loads they spin on every core for ~70 ms, e.g. through a session's first
  // prefill (measured: 36 % of a fresh process's samples in sched_yield on the other core). A
  // later call with n > 1 starts them again (OpenBLAS re-initialises its server on demand).
  if (n == 1 && blas_thread_shutdown_ != nullptr) blas_thread_shutdown_();
}

const char* BlasCoreName() { return openblas_get_corename(); }

VectorLevel BlasCoreLevel(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  struct Core {
    const char* name;
    VectorLevel level;
  };
  static const Core kCores[] = {
      {"skylakex", VectorLevel::kAvx512},  {"cooperlake", VectorLevel::kAvx512},
      {"sapphirerapids", VectorLevel::kAvx512}, {"haswell", VectorLevel::kAvx2Fma},
      {"zen", VectorLevel::kAvx2Fma},      {"excavator", VectorLevel::kAvx2Fma},
      {"sandybridge", VectorLevel::kAvx},  {"bulldozer", VectorLevel::kAvx},
      {"piledriver", VectorLevel::kAvx},   {"steamroller", VectorLevel::kAvx},
      {"katmai", VectorLevel::kSse},       {"coppermine", VectorLevel::kSse},
      {"northwood", VectorLevel::kSse},    {"prescott", VectorLevel::kSse},
      {"banias", VectorLevel::kSse},       {"atom", VectorLevel::kSse},
      {"core2", VectorLevel::kSse},        {"penryn", VectorLevel::kSse},
      {"dunnington", VectorLevel::kSse},   {"nehalem", VectorLevel::kSse},
      {"athlon", VectorLevel::kSse},       {"opteron", VectorLevel::kSse},
      {"opteron_sse3", VectorLevel::kSse}, {"barcelona", VectorLevel::kSse},
      {"nano", VectorLevel::kSse},         {"bobcat", VectorLevel::kSse},
  };
  for (const Core& c : kCores) {
    if (lower == c.name) return c.level;
  }
  return VectorLevel::kUnknown;
}

VectorLevel CpuVectorLevel() {
#if defined(__x86_64__)
  // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
  if (__builtin_cpu_supports("avx512f")) return VectorLevel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return VectorLevel::kAvx2Fma;
  if (__builtin_cpu_supports("avx")) return VectorLevel::kAvx;
  return VectorLevel::kSse;
#else
  return VectorLevel::kUnknown;
#endif
}

const char* VectorLevelName(VectorLevel level) {
  switch (level) {
    case VectorLevel::kAvx512: return "avx512";
    case VectorLevel::kAvx2Fma: return "avx2";
    case VectorLevel::kAvx: return "avx";
    case VectorLevel::kSse: return "sse";
    case VectorLevel::kUnknown: break;
  }
  return "";
}

bool BlasCoreBelowCpu() {
  const VectorLevel core = BlasCoreLevel(BlasCoreName());
  return core != VectorLevel::kUnknown && core < CpuVectorLevel();
}

}  // namespace litertlm
