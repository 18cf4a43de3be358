// AVX2 + FMA + F16C attention primitives (8 lanes; on Zen 4 ymm streams as fast as zmm).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/attention_ops.h"
#include "kernels/isa_target.h"
#include "kernels/kernel_table.h"
#include "util/half.h"

LITERTLM_TARGET_PUSH("avx2,fma,f16c")

namespace litertlm {
namespace {

void ToF16(const float* src, uint16_t* dst, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

void ToF32(const uint16_t* src, float* dst, int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 a = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    __m256 b = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 8)));
    _mm256_storeu_ps(dst + i, a);
    _mm256_storeu_ps(dst + i + 8, b);
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < n; ++i) dst[i] = F16ToF32(src[i]);
}

// Rows of the int8 cache are 64–256 bytes: the software prefetch runs kQ8PrefetchBytes ahead
// of the read so that every page of the stream is requested before it is needed.
constexpr int64_t kQ8PrefetchBytes = 1024;

void Q8ToF32(const int8_t* src, const float* scales, float* dst, int64_t n, int block) {
  if (block % 8 != 0) {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) * scales[i / block];
    return;
  }
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    const __m256 s = _mm256_set1_ps(scales[b0 / block]);
    for (int64_t i = b0; i < b0 + block; i += 8) {
      if (i % 64 == 0) {
        _mm_prefetch(reinterpret_cast<const char*>(src + i + kQ8PrefetchBytes), _MM_HINT_T0);
      }
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i));
      _mm256_storeu_ps(dst + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), s));
    }
  }
}

inline __m256 Load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 Load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline float Widen(float x) { return x; }
inline float Widen(uint16_t x) { return F16ToF32(x); }

// The rows kPrefetchRows ahead are fetched by hand: the hardware prefetchers stop at page
// boundaries, and at 256–1024 bytes a row the stream crosses one every 4–16 rows (measured on
// Qwen3-0.6B decode after 1024 tokens, 1 thread: fp32 cache 43 → 31–32 ms/token).
constexpr int64_t kPrefetchRows = 16;
template <typename T>
inline void PrefetchRow(const T* row, int d) {
  const char* p = reinterpret_cast<const char*>(row);
  for (int64_t b = 0; b < int64_t{d} * static_cast<int64_t>(sizeof(T)); b += 64) {
    _mm_prefetch(p + b, _MM_HINT_T0);
  }
}

// Rows j..j+3 of a matrix with row stride ld and n rows; prefetches the four rows kPrefetchRows
// further on when they exist.
template <typename T>
inline std::array<const T*, 4> FourRows(const T* m, int64_t j, int64_t ld, int64_t n, int d) {
  const T* r0 = m + j * ld;
  if (j + kPrefetchRows + 4 <= n) {
    for (int64_t i = 0; i < 4; ++i) PrefetchRow(r0 + (kPrefetchRows + i) * ld, d);
  }
  return {r0, r0 + ld, r0 + 2 * ld, r0 + 3 * ld};
}

// p · x rounded on its own, then added: a barrier keeps GCC from contracting the two into an FMA
// (-ffp-contract=fast is its default for C++).
inline __m256 MulThenAdd(__m256 p, __m256 x, __m256 acc) {
  __m256 prod = _mm256_mul_ps(p, x);
  asm("" : "+x"(prod));
  return _mm256_add_ps(acc, prod);
}
inline float MulThenAdd(float p, float x, float acc) {
  float prod = p * x;
  asm("" : "+x"(prod));
  return acc + prod;
}

// The 8×8 block m[i][c] (8 rows of 8 floats) transposed in place: m[c][i].
inline void Transpose8x8(__m256 m[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(m[0], m[1]), t1 = _mm256_unpackhi_ps(m[0], m[1]);
  const __m256 t2 = _mm256_unpacklo_ps(m[2], m[3]), t3 = _mm256_unpackhi_ps(m[2], m[3]);
  const __m256 t4 = _mm256_unpacklo_ps(m[4], m[5]), t5 = _mm256_unpackhi_ps(m[4], m[5]);
  const __m256 t6 = _mm256_unpacklo_ps(m[6], m[7]), t7 = _mm256_unpackhi_ps(m[6], m[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  m[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  m[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  m[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  m[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  m[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  m[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  m[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  m[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// One dot product sequentially over c, each product rounded before its add (the scalar path's
// order and rounding).
template <typename T>
inline float DotSequential(const float* q, const T* k, int d) {
  float sum = 0.0f;
  for (int c = 0; c < d; ++c) sum = MulThenAdd(q[c], Widen(k[c]), sum);
  return sum;
}

// Eight keys at a time, one per vector lane: every dot product accumulates over c in order, each
// product rounded before its add (DotSequential, bit for bit the scalar path), which is what
// Google's XNNPACK computes for a graph's Q·Kᵀ. Partial sums over strided lanes, or FMAs, round
// differently, and a TFLite file's 8-bit activation rounding downstream (qd8) turns such
// last-bit differences into visible ones (Google's real Gemma 3 270M file: 0.17 in a logit after
// one decode step). Each 8×8 block of keys is loaded and transposed once for all query rows.
template <typename T>
void Scores(const float* q, int64_t ldq, int rows, const T* k, int64_t ldk, int64_t n, int d,
            float scale, float* out, int64_t ldo) {
  constexpr int kMaxRows = 8;
  const int d8 = d & ~7;
  const __m256 vscale = _mm256_set1_ps(scale);
  int64_t j = 0;
  for (; j + 8 <= n && d8 == d; j += 8) {
    if (j + kPrefetchRows + 8 <= n) {
      for (int64_t i = 0; i < 8; ++i) PrefetchRow(k + (j + kPrefetchRows + i) * ldk, d);
    }
    for (int r0 = 0; r0 < rows; r0 += kMaxRows) {
      const int rn = std::min(kMaxRows, rows - r0);
      __m256 acc[kMaxRows];
      for (int r = 0; r < rn; ++r) acc[r] = _mm256_setzero_ps();
      for (int c = 0; c < d8; c += 8) {
        __m256 block[8];
        for (int i = 0; i < 8; ++i) block[i] = Load8(k + (j + i) * ldk + c);
        Transpose8x8(block);  // block[cc] = key j..j+7's value c + cc
        for (int r = 0; r < rn; ++r) {
          const float* qr = q + (r0 + r) * ldq + c;
          for (int cc = 0; cc < 8; ++cc) acc[r] = MulThenAdd(_mm256_set1_ps(qr[cc]), block[cc], acc[r]);
        }
      }
      for (int r = 0; r < rn; ++r) _mm256_storeu_ps(out + (r0 + r) * ldo + j, _mm256_mul_ps(acc[r], vscale));
    }
  }
  for (; j < n; ++j) {
    for (int r = 0; r < rows; ++r) out[r * ldo + j] = DotSequential(q + r * ldq, k + j * ldk, d) * scale;
  }
}

// Four value rows at a time, each widened once per 8 columns and added into every query row's
// output (which stays in L1). Every output accumulates over the keys in order, each product
// rounded before its add (no FMA), bit for bit the scalar path: what Google's XNNPACK computes for
// a graph's P·V (Google's real Gemma 3 270M file: with FMAs here, 0.34 in a logit after two
// decode steps; with separate roundings, its interpreter's logits to 5 decimals).
template <typename T>
void Accumulate(const float* p, int64_t ldp, int rows, const T* v, int64_t ldv, int64_t n, int d,
                float* out, int64_t ldout) {
  const int d8 = d & ~7;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const auto [v0, v1, v2, v3] = FourRows(v, j, ldv, n, d);
    for (int c = 0; c < d8; c += 8) {
      const __m256 x0 = Load8(v0 + c), x1 = Load8(v1 + c), x2 = Load8(v2 + c), x3 = Load8(v3 + c);
      for (int r = 0; r < rows; ++r) {
        const float* pr = p + r * ldp + j;
        float* o = out + r * ldout + c;
        __m256 acc = _mm256_loadu_ps(o);
        acc = MulThenAdd(_mm256_set1_ps(pr[0]), x0, acc);
        acc = MulThenAdd(_mm256_set1_ps(pr[1]), x1, acc);
        acc = MulThenAdd(_mm256_set1_ps(pr[2]), x2, acc);
        acc = MulThenAdd(_mm256_set1_ps(pr[3]), x3, acc);
        _mm256_storeu_ps(o, acc);
      }
    }
    for (int c = d8; c < d; ++c) {
      for (int r = 0; r < rows; ++r) {
        const float* pr = p + r * ldp + j;
        float acc = out[r * ldout + c];
        acc = MulThenAdd(pr[0], Widen(v0[c]), acc);
        acc = MulThenAdd(pr[1], Widen(v1[c]), acc);
        acc = MulThenAdd(pr[2], Widen(v2[c]), acc);
        acc = MulThenAdd(pr[3], Widen(v3[c]), acc);
        out[r * ldout + c] = acc;
      }
    }
  }
  for (; j < n; ++j) {
    const T* vj = v + j * ldv;
    for (int r = 0; r < rows; ++r) {
      const __m256 pj = _mm256_set1_ps(p[r * ldp + j]);
      float* o = out + r * ldout;
      int c = 0;
      for (; c < d8; c += 8) _mm256_storeu_ps(o + c, MulThenAdd(pj, Load8(vj + c), _mm256_loadu_ps(o + c)));
      for (; c < d; ++c) o[c] = MulThenAdd(p[r * ldp + j], Widen(vj[c]), o[c]);
    }
  }
}

// 8 int8 values widened to fp32.
inline __m256 WidenQ8(const int8_t* p) {
  const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
}

// Sums of a0..a3 (8 lanes each) as one vector of four.
inline __m128 Sum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// R (1 or 2) query rows against four int8 keys at a time: each key is widened once per 8 values
// for both rows; the block scale is folded into the widened key, so the accumulators run over
// the whole row.
template <int R>
void ScoresQ8Rows(const float* q, int64_t ldq, const int8_t* k, const float* ks, int64_t n, int d,
                  int block, float scale, float* out, int64_t ldo) {
  const int per_row = d / block;
  const __m128 vscale = _mm_set1_ps(scale);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const auto kr = FourRows(k, j, d, n, d);
    const float* s = ks + j * per_row;
    __m256 acc[R][4];
    for (int r = 0; r < R; ++r) {
      for (int i = 0; i < 4; ++i) acc[r][i] = _mm256_setzero_ps();
    }
    for (int b = 0; b < per_row; ++b) {
      __m256 sc[4];
      for (int i = 0; i < 4; ++i) sc[i] = _mm256_set1_ps(s[i * per_row + b]);
      for (int c = b * block; c < (b + 1) * block; c += 8) {
        __m256 x[4];
        for (int i = 0; i < 4; ++i) x[i] = _mm256_mul_ps(WidenQ8(kr[i] + c), sc[i]);
        for (int r = 0; r < R; ++r) {
          const __m256 qv = _mm256_loadu_ps(q + r * ldq + c);
          for (int i = 0; i < 4; ++i) acc[r][i] = _mm256_fmadd_ps(qv, x[i], acc[r][i]);
        }
      }
    }
    for (int r = 0; r < R; ++r) {
      _mm_storeu_ps(out + r * ldo + j,
                    _mm_mul_ps(Sum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), vscale));
    }
  }
  if (j < n) {
    ScoresQ8Scalar(q, ldq, R, k + j * d, ks + j * per_row, n - j, d, block, scale, out + j, ldo);
  }
}

void ScoresQ8(const float* q, int64_t ldq, int rows, const int8_t* k, const float* ks, int64_t n,
              int d, int block, float scale, float* out, int64_t ldo) {
  if (block % 8 != 0) {
    ScoresQ8Scalar(q, ldq, rows, k, ks, n, d, block, scale, out, ldo);
    return;
  }
  int r = 0;
  for (; r + 2 <= rows; r += 2) {
    ScoresQ8Rows<2>(q + r * ldq, ldq, k, ks, n, d, block, scale, out + r * ldo, ldo);
  }
  if (r < rows) ScoresQ8Rows<1>(q + r * ldq, ldq, k, ks, n, d, block, scale, out + r * ldo, ldo);
}

// R (1 or 2) output rows from four int8 value rows at a time: per block, the weights
// p[r, j] · scale[j, block] are broadcast once; each value row is widened once per 8 values.
template <int R>
void AccumulateQ8Rows(const float* p, int64_t ldp, const int8_t* v, const float* vs, int64_t n,
                      int d, int block, float* out, int64_t ldout) {
  const int per_row = d / block;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const auto vr = FourRows(v, j, d, n, d);
    const float* s = vs + j * per_row;
    for (int b = 0; b < per_row; ++b) {
      __m256 w[R][4];
      for (int r = 0; r < R; ++r) {
        for (int i = 0; i < 4; ++i) {
          w[r][i] = _mm256_set1_ps(p[r * ldp + j + i] * s[i * per_row + b]);
        }
      }
      for (int c = b * block; c < (b + 1) * block; c += 8) {
        __m256 x[4];
        for (int i = 0; i < 4; ++i) x[i] = WidenQ8(vr[i] + c);
        for (int r = 0; r < R; ++r) {
          float* o = out + r * ldout + c;
          __m256 acc = _mm256_loadu_ps(o);
          for (int i = 0; i < 4; ++i) acc = _mm256_fmadd_ps(w[r][i], x[i], acc);
          _mm256_storeu_ps(o, acc);
        }
      }
    }
  }
  if (j < n) {
    AccumulateQ8Scalar(p + j, ldp, R, v + j * d, vs + j * per_row, n - j, d, block, out, ldout);
  }
}

void AccumulateQ8(const float* p, int64_t ldp, int rows, const int8_t* v, const float* vs,
                  int64_t n, int d, int block, float* out, int64_t ldout) {
  if (block % 8 != 0) {
    AccumulateQ8Scalar(p, ldp, rows, v, vs, n, d, block, out, ldout);
    return;
  }
  int r = 0;
  for (; r + 2 <= rows; r += 2) {
    AccumulateQ8Rows<2>(p + r * ldp, ldp, v, vs, n, d, block, out + r * ldout, ldout);
  }
  if (r < rows) AccumulateQ8Rows<1>(p + r * ldp, ldp, v, vs, n, d, block, out + r * ldout, ldout);
}

}  // namespace

const AttentionOps* Avx2AttentionOps() {
  static const AttentionOps ops = {&ToF16,           &ToF32,
                                   &QuantizeQ8Blocks, &Q8ToF32,
                                   &Scores<float>,   &Scores<uint16_t>,
                                   &Accumulate<float>, &Accumulate<uint16_t>,
                                   &ScoresQ8,        &AccumulateQ8};
  return CpuSupports(Isa::kAvx2) ? &ops : nullptr;
}

}  // namespace litertlm

LITERTLM_TARGET_POP()
