// AVX-512 (F/BW/VL) + VNNI kernels. Dynamic int8 uses vpdpbusd with the u8/s8 offset trick:
// activations x (s8) are fed as x + 128 (u8, an XOR with 0x80) and the result is corrected by
// 128 · Σ_k w[n,k] (PackedMatrix row_sums). int4 feeds the nibbles (q + 8, u8) against s8
// activations and corrects by 8 · Σ x per dpbusd lane.
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wuninitialized through _mm512_undefined_* (a known false
// positive); silence it for this file only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/isa_target.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"

LITERTLM_TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq,fma,f16c,avx2,bmi2")

namespace litertlm {
namespace {

// (Constants are built inside the functions: a namespace-scope __m512i would run AVX-512
// code during static initialisation on any CPU.)
#define LITERTLM_SIGN_FLIP _mm512_set1_epi8(static_cast<char>(0x80))

// acc += dpbusd(u8 a, s8 b), accumulating in place. GCC 12 wraps the intrinsic in register
// copies (two extra moves per instruction) inside the GEMM loop; the asm form avoids them.
#define LITERTLM_DPBUSD(acc, a, b) asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b))

// Horizontal sums of 4 vectors → [Σa0, Σa1, Σa2, Σa3].
inline __m128i Reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
  __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));
  __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
  __m512i t2 = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
  __m256i t3 = _mm256_add_epi32(_mm512_castsi512_si256(t2), _mm512_extracti64x4_epi64(t2, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(t3), _mm256_extracti128_si256(t3, 1));
}

// Writes the 4 results of rows n..n+3 (activation row i), only for rows < w.rows.
inline void StoreI8(const I8GemmArgs& a, int64_t i, int64_t n, __m128i sums) {
  alignas(16) int32_t v[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(v), sums);
  const int64_t count = std::min<int64_t>(4, a.w->rows - n);
  for (int64_t r = 0; r < count; ++r) {
    int32_t acc = v[r] - 128 * a.w->row_sums[n + r];
    if (a.acc) {
      a.acc[i * a.ldy + n + r] = acc;
    } else {
      if (a.zero_point != nullptr) acc -= a.zero_point[i] * a.w->row_sums[n + r];
      a.y[i * a.ldy + n + r] = static_cast<float>(acc) * a.xscale[i] * a.w->scales[n + r];
    }
  }
}

// Rows n..n+3 of activation row j from its two 16-bit halves (I8GemmArgs::split16).
inline void StoreSplit16(const I8GemmArgs& a, int64_t j, int64_t n, __m128i hi, __m128i lo) {
  alignas(16) int32_t h[4], l[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(h), hi);
  _mm_store_si128(reinterpret_cast<__m128i*>(l), lo);
  const int64_t count = std::min<int64_t>(4, a.w->rows - n);
  for (int64_t r = 0; r < count; ++r) {
    const int64_t sum = int64_t{128} * a.w->row_sums[n + r];
    a.y[j * a.ldy + n + r] = Split16Output(h[r] - sum, l[r] - sum, a.xscale[j], a.w->scales[n + r]);
  }
}

constexpr int64_t kGemvPrefetch = 2048;

// One activation row, or two (a 16-bit row's hi and lo halves, kernels/quantize.h): both rows
// meet each weight chunk while it is in registers, so the weights are streamed once.
template <int MR>
void GemvI8Rows(const I8GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides s = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const __m512i sign_flip = LITERTLM_SIGN_FLIP;
  // Each of the 4 rows' streams is prefetched this far ahead: in the packed layout the 4 rows
  // are one stream (a 256-byte step), in the row-major one 4 streams of 64-byte steps.
  const int64_t ahead = kGemvPrefetch * s.chunk / 256;
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * s.group;
    __m512i acc0 = _mm512_setzero_si512(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    __m512i bcc0 = acc0, bcc1 = acc0, bcc2 = acc0, bcc3 = acc0;
    for (int64_t c = 0; c < chunks; ++c, p += s.chunk) {
      // Software prefetch ahead in the weight stream (one step = 4 cache lines): keeps more
      // DRAM reads in flight than the hardware prefetcher alone.
      _mm_prefetch(reinterpret_cast<const char*>(p + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p + s.row + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p + 2 * s.row + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p + 3 * s.row + ahead), _MM_HINT_T0);
      const __m512i w0 = _mm512_loadu_si512(p), w1 = _mm512_loadu_si512(p + s.row);
      const __m512i w2 = _mm512_loadu_si512(p + 2 * s.row), w3 = _mm512_loadu_si512(p + 3 * s.row);
      __m512i x = _mm512_xor_si512(_mm512_loadu_si512(a.xq + c * 64), sign_flip);
      acc0 = _mm512_dpbusd_epi32(acc0, x, w0);
      acc1 = _mm512_dpbusd_epi32(acc1, x, w1);
      acc2 = _mm512_dpbusd_epi32(acc2, x, w2);
      acc3 = _mm512_dpbusd_epi32(acc3, x, w3);
      if constexpr (MR > 1) {
        __m512i x2 = _mm512_xor_si512(_mm512_loadu_si512(a.xq + a.ldx + c * 64), sign_flip);
        bcc0 = _mm512_dpbusd_epi32(bcc0, x2, w0);
        bcc1 = _mm512_dpbusd_epi32(bcc1, x2, w1);
        bcc2 = _mm512_dpbusd_epi32(bcc2, x2, w2);
        bcc3 = _mm512_dpbusd_epi32(bcc3, x2, w3);
      }
    }
    StoreI8(a, 0, n, Reduce4(acc0, acc1, acc2, acc3));
    if constexpr (MR > 1) StoreI8(a, 1, n, Reduce4(bcc0, bcc1, bcc2, bcc3));
  }
}

void GemvI8(const I8GemmArgs& a) {
  if (a.m > 1) {
    GemvI8Rows<2>(a);
  } else {
    GemvI8Rows<1>(a);
  }
}

// MR (≤ 4) activation rows × 4 weight rows over the whole K. The 16 accumulators are named
// variables: an array of __m512i, or 24 accumulators (6 rows), get spilled by GCC 12.
#define LITERTLM_ACC_DECL(i) __m512i c##i##0 = zero, c##i##1 = zero, c##i##2 = zero, c##i##3 = zero
#define LITERTLM_ACC_STEP(i)                                                                  \
  if constexpr (MR > i) {                                                                    \
    __m512i xv = _mm512_xor_si512(_mm512_loadu_si512(x + i * a.ldx + c * 64), sign_flip);    \
    LITERTLM_DPBUSD(c##i##0, xv, w0);                                                        \
    LITERTLM_DPBUSD(c##i##1, xv, w1);                                                        \
    LITERTLM_DPBUSD(c##i##2, xv, w2);                                                        \
    LITERTLM_DPBUSD(c##i##3, xv, w3);                                                        \
  }
#define LITERTLM_ACC_STORE(i) \
  if constexpr (MR > i) StoreI8(a, i0 + i, n, Reduce4(c##i##0, c##i##1, c##i##2, c##i##3))

template <int MR, bool kPrefetch = false>
inline void MicroI8(const I8GemmArgs& a, const uint8_t* wg, const I8Strides& s, int64_t chunks,
                    int64_t i0, int64_t n) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i sign_flip = LITERTLM_SIGN_FLIP;
  LITERTLM_ACC_DECL(0);
  LITERTLM_ACC_DECL(1);
  LITERTLM_ACC_DECL(2);
  LITERTLM_ACC_DECL(3);
  const int8_t* x = a.xq + i0 * a.ldx;
  const int64_t ahead = kGemvPrefetch * s.chunk / 256;
  for (int64_t c = 0; c < chunks; ++c) {
    const uint8_t* p = wg + c * s.chunk;
    if constexpr (kPrefetch) {  // as GemvI8Rows: each row's stream, ahead
      _mm_prefetch(reinterpret_cast<const char*>(p + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p + s.row + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p + 2 * s.row + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p + 3 * s.row + ahead), _MM_HINT_T0);
    }
    __m512i w0 = _mm512_loadu_si512(p), w1 = _mm512_loadu_si512(p + s.row);
    __m512i w2 = _mm512_loadu_si512(p + 2 * s.row), w3 = _mm512_loadu_si512(p + 3 * s.row);
    LITERTLM_ACC_STEP(0)
    LITERTLM_ACC_STEP(1)
    LITERTLM_ACC_STEP(2)
    LITERTLM_ACC_STEP(3)
  }
  if constexpr (MR % 2 == 0) {
    if (a.split16) {
      StoreSplit16(a, i0 / 2, n, Reduce4(c00, c01, c02, c03), Reduce4(c10, c11, c12, c13));
      if constexpr (MR == 4) {
        StoreSplit16(a, i0 / 2 + 1, n, Reduce4(c20, c21, c22, c23), Reduce4(c30, c31, c32, c33));
      }
      return;
    }
  }
  LITERTLM_ACC_STORE(0);
  LITERTLM_ACC_STORE(1);
  LITERTLM_ACC_STORE(2);
  LITERTLM_ACC_STORE(3);
}
#undef LITERTLM_ACC_DECL
#undef LITERTLM_ACC_STEP
#undef LITERTLM_ACC_STORE

void GemmI8(const I8GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides s = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  constexpr int kMr = 4;
  // Activation tile kept in L2 while each 4-row weight group (4·K bytes, in L1) meets all of it.
  int64_t mc = std::max<int64_t>(kMr, (256 * 1024 / std::max<int64_t>(a.ldx, 1)) / kMr * kMr);
  for (int64_t i0 = 0; i0 < a.m; i0 += mc) {
    const int64_t i1 = std::min(a.m, i0 + mc);
    for (int64_t n = a.n_begin; n < n_end; n += 4) {
      const uint8_t* wg = base + (n / 4) * s.group;
      int64_t i = i0;
      // The first activation rows meet this weight group cold from memory: prefetch ahead in
      // the weight stream (batched decode, M = 2–8 sequences on Gemma 3's LM head, 1 thread:
      // 18.8 → 14.7 ms at M = 2, 20.1 → 17.4 ms at M = 4).
      if (i + kMr <= i1) {
        MicroI8<kMr, true>(a, wg, s, chunks, i, n);
        i += kMr;
      }
      for (; i + kMr <= i1; i += kMr) MicroI8<kMr>(a, wg, s, chunks, i, n);
      switch (i1 - i) {
        case 3: MicroI8<3>(a, wg, s, chunks, i, n); break;
        case 2: MicroI8<2>(a, wg, s, chunks, i, n); break;
        case 1: MicroI8<1>(a, wg, s, chunks, i, n); break;
        default: break;
      }
    }
  }
}

inline void StoreF32x4(const Matrix& w, int64_t n, __m512 f0, __m512 f1, __m512 f2, __m512 f3,
                       float mul, const float* row_scale, float* y) {
  float v[4] = {_mm512_reduce_add_ps(f0), _mm512_reduce_add_ps(f1), _mm512_reduce_add_ps(f2),
                _mm512_reduce_add_ps(f3)};
  const int64_t count = std::min<int64_t>(4, w.rows - n);
  for (int64_t r = 0; r < count; ++r) y[n + r] = v[r] * mul * (row_scale ? row_scale[n + r] : 1.0f);
}

inline __m512 I8x16ToF32(__m128i v) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(v)); }

void GemvI8WeightOnly(const FloatGemvArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides s = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * s.group;
    __m512 f[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps()};
    for (int64_t c = 0; c < chunks; ++c, p += s.chunk) {
      const float* x = a.x + c * 64;
      __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
      __m512 x2 = _mm512_loadu_ps(x + 32), x3 = _mm512_loadu_ps(x + 48);
      for (int r = 0; r < 4; ++r) {
        __m512i v = _mm512_loadu_si512(p + r * s.row);
        f[r] = _mm512_fmadd_ps(I8x16ToF32(_mm512_castsi512_si128(v)), x0, f[r]);
        f[r] = _mm512_fmadd_ps(I8x16ToF32(_mm512_extracti32x4_epi32(v, 1)), x1, f[r]);
        f[r] = _mm512_fmadd_ps(I8x16ToF32(_mm512_extracti32x4_epi32(v, 2)), x2, f[r]);
        f[r] = _mm512_fmadd_ps(I8x16ToF32(_mm512_extracti32x4_epi32(v, 3)), x3, f[r]);
      }
    }
    StoreF32x4(w, n, f[0], f[1], f[2], f[3], 1.0f, w.scales, a.y);
  }
}

inline __m512 Half16ToF32(const uint8_t* p, bool bf16) {
  __m256i h = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  if (bf16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  return _mm512_cvtph_ps(h);
}

void GemvF16(const FloatGemvArgs& a) {
  const Matrix& w = *a.w;
  const bool bf16 = w.dtype == DType::kBF16;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * chunks * 256;
    __m512 f[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps()};
    for (int64_t c = 0; c < chunks; ++c, p += 256) {
      __m512 x0 = _mm512_loadu_ps(a.x + c * 32), x1 = _mm512_loadu_ps(a.x + c * 32 + 16);
      for (int r = 0; r < 4; ++r) {
        f[r] = _mm512_fmadd_ps(Half16ToF32(p + r * 64, bf16), x0, f[r]);
        f[r] = _mm512_fmadd_ps(Half16ToF32(p + r * 64 + 32, bf16), x1, f[r]);
      }
    }
    StoreF32x4(w, n, f[0], f[1], f[2], f[3], 1.0f, nullptr, a.y);
  }
}

// int4 block GEMV/GEMM for MR activation rows at once: each chunk of four weight rows is unpacked
// once and used by all MR rows; per (weight row, activation row) the operations and their order
// do not depend on MR, so the results are bit-identical to one row at a time.
template <int MR>
void GemmI4Rows(const I4GemmArgs& a, int64_t i0) {
  const Matrix& w = *a.w;
  const bool block32 = w.dtype == DType::kI4Block32;
  const int64_t per_chunk = block32 ? 4 : 1;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const __m512i low4 = _mm512_set1_epi8(0x0f), eight = _mm512_set1_epi8(8);
  const __m512i idx_lo = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i idx_hi = _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2);
  const int8_t* xq = a.xq + i0 * a.ldx;
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * chunks * 256;
    const float* sp = w.scales + (n / 4) * chunks * 4 * per_chunk;
    __m512 f[MR][4];
    for (int i = 0; i < MR; ++i) {
      for (int r = 0; r < 4; ++r) f[i][r] = _mm512_setzero_ps();
    }
    for (int64_t c = 0; c < chunks; ++c, p += 256, sp += 4 * per_chunk) {
      __m512i lo[4], hi[4];
      for (int r = 0; r < 4; ++r) {
        __m512i v = _mm512_load_si512(p + r * 64);
        lo[r] = _mm512_and_si512(v, low4);
        hi[r] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
      }
      for (int i = 0; i < MR; ++i) {
        const int8_t* x = xq + i * a.ldx + c * 128;
        __m512i xlo = _mm512_loadu_si512(x), xhi = _mm512_loadu_si512(x + 64);
        __m512i zero = _mm512_setzero_si512();
        __m512i nclo = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, eight, xlo));
        __m512i nchi = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, eight, xhi));
        for (int r = 0; r < 4; ++r) {
          if (block32) {
            __m512 s = _mm512_castps128_ps512(_mm_loadu_ps(sp + r * 4));
            __m512i alo = _mm512_dpbusd_epi32(nclo, lo[r], xlo);
            __m512i ahi = _mm512_dpbusd_epi32(nchi, hi[r], xhi);
            f[i][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(alo), _mm512_permutexvar_ps(idx_lo, s), f[i][r]);
            f[i][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ahi), _mm512_permutexvar_ps(idx_hi, s), f[i][r]);
          } else {
            __m512i acc = _mm512_dpbusd_epi32(_mm512_add_epi32(nclo, nchi), lo[r], xlo);
            acc = _mm512_dpbusd_epi32(acc, hi[r], xhi);
            f[i][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(sp[r]), f[i][r]);
          }
        }
      }
    }
    for (int i = 0; i < MR; ++i) {
      StoreF32x4(w, n, f[i][0], f[i][1], f[i][2], f[i][3], a.xscale[i0 + i], nullptr,
                 a.y + (i0 + i) * a.ldy);
    }
  }
}

// Two rows at a time: with four, the accumulators (16 zmm) and unpacked weights (8) spill and
// the gain is gone (Gemma 3 270M int4 prefill-128, 1 thread:
// 1 row 890, 2 rows 918–1000, 4 rows 905 tok/s; Qwen3-0.6B shapes 237 / 262 / 232 tok/s).
constexpr int kRows = 2;
void GemmI4(const I4GemmArgs& a) {
  int64_t i = 0;
  for (; i + kRows <= a.m; i += kRows) GemmI4Rows<kRows>(a, i);
  if (i < a.m) GemmI4Rows<1>(a, i);
}

// One activation row: the multi-row kernel with MR = 1.
void GemvI4(const I4GemvArgs& a) {
  I4GemmArgs g;
  g.w = a.w;
  g.xq = a.xq;
  g.xscale = &a.xscale;
  g.m = 1;
  g.n_begin = a.n_begin;
  g.n_end = a.n_end;
  g.y = a.y;
  GemmI4Rows<1>(g, 0);
}

// acc += dpbusd(u8 a, the 4 s8 bytes at p broadcast to every lane), with the broadcast embedded in
// the instruction (one micro-fused load, no register copies; see LITERTLM_DPBUSD).
#define LITERTLM_DPBUSD_BCAST(acc, a, p) \
  asm("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(a), "m"(*reinterpret_cast<const int32_t*>(p)))

// kInt4Rows16 (kernels/pack.h) for activation rows i0..i0+MR−1 and weight rows n..n+15: one
// 64-byte step holds 8 inputs of the 16 rows, a 32-bit lane per row, so each broadcast of 4
// activations feeds all 16 rows through one vpdpbusd and the block sums come out one row per
// lane (no horizontal sums, no scale shuffles). The MR rows share each unpacked step. The
// integer sums are exact and the float epilogue is I4GemmArgs's, so the result is the scalar
// reference's bit for bit.
template <int MR, bool kZeroPoint>
void I4Rows16(const I4GemmArgs& a, int64_t i0, int64_t n) {
  const Matrix& w = *a.w;
  const int64_t block = ScaleBlock(w.dtype, w.cols), blocks = w.cols / block, steps = w.cols / 8;
  const uint8_t* p = static_cast<const uint8_t*>(w.data) + (n / 16) * steps * 64;
  const float* sp = w.scales + (n / 16) * blocks * 16;
  const __m512i low4 = _mm512_set1_epi8(0x0f), ones8 = _mm512_set1_epi8(1);
  const int8_t* x[MR];
  __m512 f[MR];
  for (int i = 0; i < MR; ++i) {
    x[i] = a.xq + (i0 + i) * a.ldx;
    f[i] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    __m512i acc[MR];
    for (int i = 0; i < MR; ++i) acc[i] = _mm512_set1_epi32(a.xcorr[(i0 + i) * a.ldcorr + b]);
    __m512i nibble_sum = _mm512_setzero_si512();
    for (int64_t k = b * block; k < (b + 1) * block; k += 32, p += 256) {
      if constexpr (MR == 1) {  // decode: streamed from DRAM, prefetched as GemvI8 does
        for (int line = 0; line < 4; ++line) {
          _mm_prefetch(reinterpret_cast<const char*>(p + kGemvPrefetch + 64 * line), _MM_HINT_T0);
        }
      }
      __m512i lo[4], hi[4];
      for (int s = 0; s < 4; ++s) {
        const __m512i v = _mm512_load_si512(p + 64 * s);
        lo[s] = _mm512_and_si512(v, low4);
        hi[s] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
      }
      if constexpr (kZeroPoint) {  // Σ nibbles per row: bytes ≤ 8·15, then 4 bytes per lane
        const __m512i bytes = _mm512_add_epi8(
            _mm512_add_epi8(_mm512_add_epi8(lo[0], hi[0]), _mm512_add_epi8(lo[1], hi[1])),
            _mm512_add_epi8(_mm512_add_epi8(lo[2], hi[2]), _mm512_add_epi8(lo[3], hi[3])));
        nibble_sum = _mm512_dpbusd_epi32(nibble_sum, bytes, ones8);
      }
      for (int i = 0; i < MR; ++i) {
        for (int s = 0; s < 4; ++s) {
          LITERTLM_DPBUSD_BCAST(acc[i], lo[s], x[i] + k + 8 * s);
          LITERTLM_DPBUSD_BCAST(acc[i], hi[s], x[i] + k + 8 * s + 4);
        }
      }
    }
    const __m512 scale = _mm512_load_ps(sp + b * 16);
    for (int i = 0; i < MR; ++i) {
      if constexpr (kZeroPoint) {
        acc[i] = _mm512_sub_epi32(acc[i], _mm512_mullo_epi32(nibble_sum, _mm512_set1_epi32(a.zero_point[i0 + i])));
      }
      f[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i]), scale, f[i]);
    }
  }
  const int64_t valid = w.rows - n;
  const __mmask16 mask = valid >= 16 ? static_cast<__mmask16>(0xffff)
                                     : static_cast<__mmask16>((1u << valid) - 1);
  for (int i = 0; i < MR; ++i) {
    _mm512_mask_storeu_ps(a.y + (i0 + i) * a.ldy + n, mask,
                          _mm512_mul_ps(f[i], _mm512_set1_ps(a.xscale[i0 + i])));
  }
}

// Four activation rows at a time share each unpacked weight step (8 nibble vectors, 4 int32 and
// 4 float accumulators: no spills). Eight measured no faster (Gemma 3 270M shapes, M = 128,
// 1 thread, busy machine: 137–200 vs 137–219 GFLOP/s).
constexpr int kRows16Mr = 4;
template <bool kZeroPoint>
void GemmI4Rows16Impl(const I4GemmArgs& a) {
  const int64_t n_end = std::min(a.n_end, a.w->rows);
  for (int64_t n = a.n_begin; n < n_end; n += 16) {
    int64_t i = 0;
    for (; i + kRows16Mr <= a.m; i += kRows16Mr) I4Rows16<kRows16Mr, kZeroPoint>(a, i, n);
    switch (a.m - i) {
      case 3: I4Rows16<3, kZeroPoint>(a, i, n); break;
      case 2: I4Rows16<2, kZeroPoint>(a, i, n); break;
      case 1: I4Rows16<1, kZeroPoint>(a, i, n); break;
      default: break;
    }
  }
}

void GemmI4Rows16(const I4GemmArgs& a) {
  if (a.zero_point != nullptr) {
    GemmI4Rows16Impl<true>(a);
  } else {
    GemmI4Rows16Impl<false>(a);
  }
}

// QuantizeActivationRow (kernels/quantize.h), bit-identical. The maximum takes |x| first, so a NaN
// is never the maximum (vmaxps returns its second operand), as std::max(m, |x|) in the scalar code.
float QuantizeRow(const float* x, int64_t cols, int64_t padded_cols, int8_t* q) {
  __m512 m = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= cols; k += 16) m = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k)), m);
  if (k < cols) {
    __mmask16 mask = static_cast<__mmask16>((1u << (cols - k)) - 1);
    m = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(mask, x + k)), m);
  }
  const float s = _mm512_reduce_max_ps(m) / 127.0f;
  const __m512 inv = _mm512_set1_ps(s > 0 ? 1.0f / s : 0.0f);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  for (k = 0; k < cols; k += 16) {
    __mmask16 mask = cols - k >= 16 ? static_cast<__mmask16>(0xffff)
                                    : static_cast<__mmask16>((1u << (cols - k)) - 1);
    __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + k), inv));
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    _mm_mask_storeu_epi8(q + k, mask, _mm512_cvtepi32_epi8(v));
  }
  for (k = cols; k < padded_cols; ++k) q[k] = 0;
  return s;
}

// QuantizeActivationRow16 (kernels/quantize.h), bit-identical: the same clamp-then-round.
float QuantizeRow16(const float* x, int64_t cols, int64_t padded_cols, int8_t* hi, int8_t* lo) {
  __m512 m = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= cols; k += 16) m = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + k)), m);
  if (k < cols) {
    __mmask16 mask = static_cast<__mmask16>((1u << (cols - k)) - 1);
    m = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(mask, x + k)), m);
  }
  const float s = _mm512_reduce_max_ps(m) / kActivation16Max;
  const __m512 inv = _mm512_set1_ps(s > 0 ? 1.0f / s : 0.0f);
  const __m512 lim = _mm512_set1_ps(kActivation16Max), nlim = _mm512_set1_ps(-kActivation16Max);
  const __m512i bias = _mm512_set1_epi32(128);
  for (k = 0; k < cols; k += 16) {
    __mmask16 mask = cols - k >= 16 ? static_cast<__mmask16>(0xffff)
                                    : static_cast<__mmask16>((1u << (cols - k)) - 1);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + k), inv);
    v = _mm512_min_ps(_mm512_max_ps(v, nlim), lim);  // NaN → -lim, as fmax/fmin do
    __m512i q = _mm512_cvtps_epi32(v);
    __m512i h = _mm512_srai_epi32(_mm512_add_epi32(q, bias), 8);
    __m512i l = _mm512_sub_epi32(q, _mm512_slli_epi32(h, 8));
    _mm_mask_storeu_epi8(hi + k, mask, _mm512_cvtepi32_epi8(h));
    _mm_mask_storeu_epi8(lo + k, mask, _mm512_cvtepi32_epi8(l));
  }
  for (k = cols; k < padded_cols; ++k) hi[k] = lo[k] = 0;
  return s;
}

}  // namespace

const KernelTable& Avx512VnniKernels() {
  // gemm_i4r16_xnnpack: the AVX2 kernel (XNNPACK's arithmetic is its AVX2 kernels').
  static const KernelTable table = {Isa::kAvx512Vnni, "avx512vnni", &GemvI8, &GemmI8,
                                    &GemvI8WeightOnly, &GemvF16, &GemvI4,  &GemmI4, &GemmI4Rows16,
                                    Avx2Kernels().gemm_i4r16_xnnpack,
                                    &QuantizeRow, &QuantizeRow16, true, nullptr, 0, 0, nullptr, nullptr,
                                    &PrefillAttentionAvx512, nullptr, nullptr};
  return table;
}

}  // namespace litertlm

LITERTLM_TARGET_POP()
#pragma GCC diagnostic pop
#else
namespace litertlm {
const KernelTable& Avx512VnniKernels() { return ScalarKernels(); }
}  // namespace litertlm
#endif
