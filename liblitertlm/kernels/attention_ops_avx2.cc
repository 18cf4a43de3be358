// AVX2 + FMA + F16C attention primitives (8 lanes; on Zen 4 ymm is as fast as zmm).
#include <immintrin.h>

#include "kernels/attention_ops.h"
#include "kernels/kernel_table.h"
#include "util/half.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

namespace litertlm {
namespace {

float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

float DotF32(const float* q, const float* k, int n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_loadu_ps(k + i + 8), a1);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k + i), a0);
  float s = HorizontalSum(_mm256_add_ps(a0, a1));
  for (; i < n; ++i) s += q[i] * k[i];
  return s;
}

float DotF16(const float* q, const uint16_t* k, int n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 k0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k + i)));
    __m256 k1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k + i + 8)));
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), k0, a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), k1, a1);
  }
  for (; i + 8 <= n; i += 8) {
    __m256 k0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k + i)));
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), k0, a0);
  }
  float s = HorizontalSum(_mm256_add_ps(a0, a1));
  for (; i < n; ++i) s += q[i] * F16ToF32(k[i]);
  return s;
}

void AxpyF32(float a, const float* x, float* y, int n) {
  const __m256 av = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

void AxpyF16(float a, const uint16_t* x, float* y, int n) {
  const __m256 av = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, xv, _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * F16ToF32(x[i]);
}

void ToF16(const float* src, uint16_t* dst, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

}  // namespace

const AttentionOps* Avx2AttentionOps() {
  static const AttentionOps ops = {&DotF32, &DotF16, &AxpyF32, &AxpyF16, &ToF16};
  return CpuSupports(Isa::kAvx2) ? &ops : nullptr;
}

}  // namespace litertlm

#pragma GCC pop_options
