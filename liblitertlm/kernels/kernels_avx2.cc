// AVX2 + FMA + F16C kernels (no VNNI). Dynamic int8 uses the sign trick:
// maddubs(|x|, sign(w, x)) gives exact int16 pair sums (|x|, |w| ≤ 127 → ≤ 32258), then madd
// with ones widens them to int32. int4 feeds nibbles (q + 8, u8) against s8 activations
// (pair sums ≤ 3810) and subtracts 8 · Σ x per 32-element span.
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>
#include <vector>

#include "kernels/isa_target.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"

LITERTLM_TARGET_PUSH("avx2,fma,f16c,bmi2")

namespace litertlm {
namespace {

inline int32_t HSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline float HSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256i DotI8(__m256i acc, __m256i ax, __m256i x, __m256i w, __m256i ones) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(w, x)), ones));
}

// acc[i][r]: the exact int32 dot products of the 4 weight rows of the group starting at p
// (I8Strides s) with kRows activation rows x + i·ldx. Each weight load serves every activation
// row: two rows (a decode's 16-bit hi/lo halves, or a prefill's row pair) read the weights once.
constexpr int64_t kPrefetchGroups = 2;

template <int kRows>
inline void DotGroupI8(const uint8_t* p, const I8Strides& s, int64_t chunks, const int8_t* x, int64_t ldx,
                       int32_t out[kRows][4]) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kRows][4];
  for (int i = 0; i < kRows; ++i)
    for (int r = 0; r < 4; ++r) acc[i][r] = _mm256_setzero_si256();
  // The group kPrefetchGroups ahead is fetched while this one is multiplied, one cache line per
  // weight row per chunk (prefetches never fault, so past the matrix's end is harmless): a
  // decode streams every weight once, and the hardware prefetcher alone ran behind.
  const uint8_t* ahead = p + kPrefetchGroups * s.group;
  for (int64_t c = 0; c < chunks; ++c, p += s.chunk, ahead += s.chunk) {
    for (int r = 0; r < 4; ++r) _mm_prefetch(reinterpret_cast<const char*>(ahead + r * s.row), _MM_HINT_T0);
    for (int h = 0; h < 2; ++h) {
      __m256i xv[kRows], ax[kRows];
      for (int i = 0; i < kRows; ++i) {
        xv[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i * ldx + c * 64 + h * 32));
        ax[i] = _mm256_abs_epi8(xv[i]);
      }
      for (int r = 0; r < 4; ++r) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + r * s.row + h * 32));
        for (int i = 0; i < kRows; ++i) acc[i][r] = DotI8(acc[i][r], ax[i], xv[i], wv, ones);
      }
    }
  }
  for (int i = 0; i < kRows; ++i)
    for (int r = 0; r < 4; ++r) out[i][r] = HSum(acc[i][r]);
}

// The same for one row-major weight row (K contiguous bytes) and kRows activation rows: the
// weights are read strictly in address order, one stream, and the bytes kPrefetchGroups groups
// ahead are prefetched, a line per chunk.
template <int kRows>
inline void DotRowI8(const uint8_t* p, int64_t prefetch_distance, int64_t chunks, const int8_t* x, int64_t ldx,
                     int32_t out[kRows]) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kRows][2];
  for (int i = 0; i < kRows; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int64_t c = 0; c < chunks; ++c, p += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(p + prefetch_distance), _MM_HINT_T0);
    for (int h = 0; h < 2; ++h) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + h * 32));
      for (int i = 0; i < kRows; ++i) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i * ldx + c * 64 + h * 32));
        acc[i][h] = DotI8(acc[i][h], _mm256_abs_epi8(xv), xv, wv, ones);
      }
    }
  }
  for (int i = 0; i < kRows; ++i) out[i] = HSum(_mm256_add_epi32(acc[i][0], acc[i][1]));
}

// A group's sums by the loop its layout streams best: row by row for a row-major matrix (a TFLite
// int8 file read in place: +40 % decode on Zen 3 over walking its 4 rows side by side, which
// leaves 4 interleaved streams K bytes apart), chunk by chunk for the packed 4x64 layout (its
// 4 rows' chunks are one contiguous stream already).
template <int kRows>
inline void DotGroup(bool row_major, const uint8_t* p, const I8Strides& s, int64_t chunks, const int8_t* x,
                     int64_t ldx, int32_t out[kRows][4]) {
  if (!row_major) {
    DotGroupI8<kRows>(p, s, chunks, x, ldx, out);
    return;
  }
  for (int r = 0; r < 4; ++r) {
    int32_t v[kRows];
    DotRowI8<kRows>(p + r * s.row, kPrefetchGroups * s.group, chunks, x, ldx, v);
    for (int i = 0; i < kRows; ++i) out[i][r] = v[i];
  }
}

// One activation row's results for the group at n: the sums (acc), or y with the optional
// zero-point correction.
inline void StoreI8(const I8GemmArgs& a, int64_t i, int64_t n, const int32_t v[4]) {
  const int64_t count = std::min<int64_t>(4, a.w->rows - n);
  for (int64_t r = 0; r < count; ++r) {
    if (a.acc) {
      a.acc[i * a.ldy + n + r] = v[r];
    } else {
      const int32_t acc = a.zero_point != nullptr ? v[r] - a.zero_point[i] * a.w->row_sums[n + r] : v[r];
      a.y[i * a.ldy + n + r] = static_cast<float>(acc) * a.xscale[i] * a.w->scales[n + r];
    }
  }
}

// split16: int8 rows 2j (hi) and 2j + 1 (lo) are activation row j's halves (Split16Output).
inline void StoreSplit16(const I8GemmArgs& a, int64_t j, int64_t n, const int32_t hi[4], const int32_t lo[4]) {
  const int64_t count = std::min<int64_t>(4, a.w->rows - n);
  for (int64_t r = 0; r < count; ++r) {
    a.y[j * a.ldy + n + r] = Split16Output(hi[r], lo[r], a.xscale[j], a.w->scales[n + r]);
  }
}

void GemmI8(const I8GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides strides = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const bool row_major = w.layout == MatrixLayout::kRowMajor;
  // Blocks of weight rows small enough to stay in L2 while every activation row passes.
  const int64_t nb = std::max<int64_t>(4, (256 * 1024 / (chunks * 64)) / 4 * 4);
  for (int64_t n0 = a.n_begin; n0 < n_end; n0 += nb) {
    const int64_t n1 = std::min(n_end, n0 + nb);
    int64_t i = 0;
    for (; i + 2 <= a.m; i += 2) {
      for (int64_t n = n0; n < n1; n += 4) {
        int32_t v[2][4];
        DotGroup<2>(row_major, base + (n / 4) * strides.group, strides, chunks, a.xq + i * a.ldx, a.ldx, v);
        if (a.split16) {
          StoreSplit16(a, i / 2, n, v[0], v[1]);
        } else {
          StoreI8(a, i, n, v[0]);
          StoreI8(a, i + 1, n, v[1]);
        }
      }
    }
    for (; i < a.m; ++i) {  // an odd last row (never with split16: m is even there)
      for (int64_t n = n0; n < n1; n += 4) {
        int32_t v[1][4];
        DotGroup<1>(row_major, base + (n / 4) * strides.group, strides, chunks, a.xq + i * a.ldx, a.ldx, v);
        StoreI8(a, i, n, v[0]);
      }
    }
  }
}

inline void StoreF32x4(const Matrix& w, int64_t n, const __m256 f[4], float mul,
                       const float* row_scale, float* y) {
  const int64_t count = std::min<int64_t>(4, w.rows - n);
  for (int64_t r = 0; r < count; ++r) y[n + r] = HSum(f[r]) * mul * (row_scale ? row_scale[n + r] : 1.0f);
}

void GemvI8WeightOnly(const FloatGemvArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides strides = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * strides.group;
    __m256 f[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t c = 0; c < chunks; ++c, p += strides.chunk) {
      for (int q = 0; q < 8; ++q) {
        __m256 xv = _mm256_loadu_ps(a.x + c * 64 + q * 8);
        for (int r = 0; r < 4; ++r) {
          __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + r * strides.row + q * 8));
          f[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), xv, f[r]);
        }
      }
    }
    StoreF32x4(w, n, f, 1.0f, w.scales, a.y);
  }
}

void GemvF16(const FloatGemvArgs& a) {
  const Matrix& w = *a.w;
  const bool bf16 = w.dtype == DType::kBF16;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * chunks * 256;
    __m256 f[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t c = 0; c < chunks; ++c, p += 256) {
      for (int q = 0; q < 4; ++q) {
        __m256 xv = _mm256_loadu_ps(a.x + c * 32 + q * 8);
        for (int r = 0; r < 4; ++r) {
          __m128i h = _mm_load_si128(reinterpret_cast<const __m128i*>(p + r * 64 + q * 16));
          __m256 wv = bf16 ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16))
                           : _mm256_cvtph_ps(h);
          f[r] = _mm256_fmadd_ps(wv, xv, f[r]);
        }
      }
    }
    StoreF32x4(w, n, f, 1.0f, nullptr, a.y);
  }
}

void GemvI4(const I4GemvArgs& a) {
  const Matrix& w = *a.w;
  const bool block32 = w.dtype == DType::kI4Block32;
  const int64_t per_chunk = block32 ? 4 : 1;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const __m256i low4 = _mm256_set1_epi8(0x0f), eight = _mm256_set1_epi8(8);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t n = a.n_begin; n < n_end; n += 4) {
    const uint8_t* p = base + (n / 4) * chunks * 256;
    const float* sp = w.scales + (n / 4) * chunks * 4 * per_chunk;
    __m256 f[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t c = 0; c < chunks; ++c, p += 256, sp += 4 * per_chunk) {
      // Spans of 32 elements: 0 = [0,32), 1 = [32,64), 2 = [64,96), 3 = [96,128).
      __m256i xs[4], corr[4];
      for (int s = 0; s < 4; ++s) {
        xs[s] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.xq + c * 128 + s * 32));
        corr[s] = _mm256_madd_epi16(_mm256_maddubs_epi16(eight, xs[s]), ones);
      }
      for (int r = 0; r < 4; ++r) {
        __m256i span[4];
        for (int h = 0; h < 2; ++h) {
          __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + r * 64 + h * 32));
          __m256i lo = _mm256_and_si256(v, low4);
          __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
          span[h] = _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(lo, xs[h]), ones), corr[h]);
          span[2 + h] =
              _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(hi, xs[2 + h]), ones), corr[2 + h]);
        }
        if (block32) {
          for (int s = 0; s < 4; ++s) {
            f[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(span[s]), _mm256_broadcast_ss(sp + r * 4 + s), f[r]);
          }
        } else {
          __m256i t = _mm256_add_epi32(_mm256_add_epi32(span[0], span[1]),
                                       _mm256_add_epi32(span[2], span[3]));
          f[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(t), _mm256_broadcast_ss(sp + r), f[r]);
        }
      }
    }
    StoreF32x4(w, n, f, a.xscale, nullptr, a.y);
  }
}

// Four activation bytes at p in every 32-bit lane.
inline __m256i Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// kInt4Rows16 (kernels/pack.h) for activation rows i0..i0+MR−1 and weight rows n..n+15, as two
// halves of 8 rows (bytes 0–31 / 32–63 of each 64-byte step, a 32-bit lane per row). Per 32
// inputs, maddubs(nibbles, broadcast activations) pair sums (|·| ≤ 2·15·128) are added in int16
// (8 of them: ≤ 30,720, exact), then widened by madd with ones. Exact integer block sums and
// I4GemmArgs's float epilogue: the scalar reference's result bit for bit.
template <int MR, bool kZeroPoint>
void I4Rows16(const I4GemmArgs& a, int64_t i0, int64_t n) {
  const Matrix& w = *a.w;
  const int64_t block = ScaleBlock(w.dtype, w.cols), blocks = w.cols / block, steps = w.cols / 8;
  const __m256i low4 = _mm256_set1_epi8(0x0f), ones8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1);
  const int8_t* x[MR];
  for (int i = 0; i < MR; ++i) x[i] = a.xq + (i0 + i) * a.ldx;
  for (int h = 0; h < 2; ++h) {
    const int64_t n_half = n + 8 * h;
    if (n_half >= w.rows) break;
    const uint8_t* p = static_cast<const uint8_t*>(w.data) + (n / 16) * steps * 64 + 32 * h;
    const float* sp = w.scales + (n / 16) * blocks * 16 + 8 * h;
    __m256 f[MR];
    for (int i = 0; i < MR; ++i) f[i] = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; ++b) {
      __m256i acc[MR];
      for (int i = 0; i < MR; ++i) acc[i] = _mm256_set1_epi32(a.xcorr[(i0 + i) * a.ldcorr + b]);
      __m256i nibble_sum = _mm256_setzero_si256();
      for (int64_t k = b * block; k < (b + 1) * block; k += 32, p += 256) {
        __m256i lo[4], hi[4];
        for (int s = 0; s < 4; ++s) {
          const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * s));
          lo[s] = _mm256_and_si256(v, low4);
          hi[s] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
        }
        if constexpr (kZeroPoint) {
          const __m256i bytes = _mm256_add_epi8(
              _mm256_add_epi8(_mm256_add_epi8(lo[0], hi[0]), _mm256_add_epi8(lo[1], hi[1])),
              _mm256_add_epi8(_mm256_add_epi8(lo[2], hi[2]), _mm256_add_epi8(lo[3], hi[3])));
          nibble_sum = _mm256_add_epi32(
              nibble_sum, _mm256_madd_epi16(_mm256_maddubs_epi16(bytes, ones8), ones16));
        }
        for (int i = 0; i < MR; ++i) {
          __m256i s16 = _mm256_maddubs_epi16(lo[0], Broadcast4(x[i] + k));
          s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(hi[0], Broadcast4(x[i] + k + 4)));
          for (int s = 1; s < 4; ++s) {
            s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(lo[s], Broadcast4(x[i] + k + 8 * s)));
            s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(hi[s], Broadcast4(x[i] + k + 8 * s + 4)));
          }
          acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(s16, ones16));
        }
      }
      const __m256 scale = _mm256_load_ps(sp + b * 16);
      for (int i = 0; i < MR; ++i) {
        if constexpr (kZeroPoint) {
          acc[i] = _mm256_sub_epi32(acc[i], _mm256_mullo_epi32(nibble_sum, _mm256_set1_epi32(a.zero_point[i0 + i])));
        }
        f[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i]), scale, f[i]);
      }
    }
    const int64_t valid = std::min<int64_t>(8, w.rows - n_half);
    for (int i = 0; i < MR; ++i) {
      const __m256 v = _mm256_mul_ps(f[i], _mm256_set1_ps(a.xscale[i0 + i]));
      float* out = a.y + (i0 + i) * a.ldy + n_half;
      if (valid == 8) {
        _mm256_storeu_ps(out, v);
      } else {
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, v);
        std::copy(tmp, tmp + valid, out);
      }
    }
  }
}

// Two activation rows at a time (8 nibble vectors + 2×2 accumulators fit the 16 ymm registers).
constexpr int kRows16Mr = 2;
template <bool kZeroPoint>
void GemmI4Rows16Impl(const I4GemmArgs& a) {
  const int64_t n_end = std::min(a.n_end, a.w->rows);
  for (int64_t n = a.n_begin; n < n_end; n += 16) {
    int64_t i = 0;
    for (; i + kRows16Mr <= a.m; i += kRows16Mr) I4Rows16<kRows16Mr, kZeroPoint>(a, i, n);
    if (i < a.m) I4Rows16<1, kZeroPoint>(a, i, n);
  }
}

void GemmI4Rows16(const I4GemmArgs& a) {
  if (a.zero_point != nullptr) {
    GemmI4Rows16Impl<true>(a);
  } else {
    GemmI4Rows16Impl<false>(a);
  }
}

// --- 16-bit activations in one pass (gemm_i8_wide16, I8Wide16Args) -------------------------
// vpmaddwd multiplies 16 int16 pairs per instruction (the activations q against weights widened to
// int16) where the hi/lo int8 route needs two sign-trick passes of 32 each, and fp32 FMA does 8.
// The widened weights of 4 rows are broadcast a pair at a time (one 32-bit lane = 2 k) against
// a tile's 16 rows × 2 k (two vectors of 8 rows): 4 × 2 accumulators.

// Widens weight rows n..n+3 (I8Strides s, `chunks` chunks of 64) into out[r·ldk + k] as int16.
inline void WidenRows4(const uint8_t* group, const I8Strides& s, int64_t chunks, int64_t ldk, int16_t* out) {
  for (int r = 0; r < 4; ++r) {
    const uint8_t* p = group + r * s.row;
    int16_t* o = out + r * ldk;
    for (int64_t c = 0; c < chunks; ++c, p += s.chunk, o += 64) {
      for (int q = 0; q < 4; ++q) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * q));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 16 * q), _mm256_cvtepi8_epi16(b));
      }
    }
  }
}

// Pairs per int32 block when a tile's sums may overflow: 256 pairs · 2 · 32512 · 127 < 2^31.
constexpr int64_t kWide16BlockPairs = 256;

// acc + madd(x, b) as one asm statement (one spare register): written with intrinsics, GCC 12
// hoists the multiplies of a pair step ahead of the adds and then copies every sum through a
// spare register (a vmovdqa per multiply-add) or spills accumulators to the stack.
inline __m256i MaddAdd(__m256i acc, __m256i x, __m256i b) {
  __m256i t;
  __asm__("vpmaddwd %[b], %[x], %[t]\n\tvpaddd %[t], %[acc], %[acc]"
          : [acc] "+x"(acc), [t] "=&x"(t)
          : [x] "x"(x), [b] "x"(b));
  return acc;
}

// acc[r][h] += the products of pairs [p0, p1) of the tile at x (32 int16 per pair) with the
// widened rows wr[r] (one int32 = one pair).
template <int kHalves>
inline void Wide16Block(const int16_t* x, const int32_t* const wr[4], int64_t p0, int64_t p1,
                        __m256i acc[4][kHalves]) {
  for (int64_t p = p0; p < p1; ++p) {
    __m256i xv[kHalves];
    for (int h = 0; h < kHalves; ++h) xv[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + p * 32 + 16 * h));
    for (int r = 0; r < 4; ++r) {
      const __m256i b = _mm256_set1_epi32(wr[r][p]);
      for (int h = 0; h < kHalves; ++h) acc[r][h] = MaddAdd(acc[r][h], xv[h], b);
    }
  }
}

// Tile t (its first kHalves·8 rows) against the 4 widened rows at n (wide, ldk apart).
template <int kHalves>
void Wide16Tile(const I8Wide16Args& a, int64_t t, int64_t n, const int16_t* wide) {
  const Matrix& w = *a.w;
  const int64_t pairs = a.ldk / 2;
  const bool carry64 = a.wide_tiles[t] != 0;
  const int16_t* x = a.xt + t * pairs * 32;
  const int32_t* wr[4];
  for (int r = 0; r < 4; ++r) wr[r] = reinterpret_cast<const int32_t*>(wide + r * a.ldk);
  __m256i acc[4][kHalves];
  for (int r = 0; r < 4; ++r)
    for (int h = 0; h < kHalves; ++h) acc[r][h] = _mm256_setzero_si256();
  alignas(32) int64_t sum64[4][kHalves][8];
  if (!carry64) {
    Wide16Block<kHalves>(x, wr, 0, pairs, acc);
  } else {
    for (int r = 0; r < 4; ++r)
      for (int h = 0; h < kHalves; ++h) std::fill(sum64[r][h], sum64[r][h] + 8, int64_t{0});
    for (int64_t p0 = 0; p0 < pairs; p0 += kWide16BlockPairs) {
      Wide16Block<kHalves>(x, wr, p0, std::min(pairs, p0 + kWide16BlockPairs), acc);
      for (int r = 0; r < 4; ++r)
        for (int h = 0; h < kHalves; ++h) {
          alignas(32) int32_t v[8];
          _mm256_store_si256(reinterpret_cast<__m256i*>(v), acc[r][h]);
          for (int j = 0; j < 8; ++j) sum64[r][h][j] += v[j];
          acc[r][h] = _mm256_setzero_si256();
        }
    }
  }
  for (int h = 0; h < kHalves; ++h) {
    const int64_t i0 = t * kWide16TileRows + 8 * h, rows = std::min<int64_t>(8, a.m - i0);
    if (rows <= 0) break;
    alignas(32) float xs[8] = {};
    std::copy(a.xscale + i0, a.xscale + i0 + rows, xs);
    const __m256 xsv = _mm256_load_ps(xs);
    for (int r = 0; r < 4 && n + r < w.rows; ++r) {
      const float ws = w.scales[n + r];
      alignas(32) float out[8];
      if (carry64) {
        for (int64_t j = 0; j < rows; ++j) out[j] = Int16Output(sum64[r][h][j], xs[j], ws);
      } else {  // Int16Output's expression, 8 lanes at once: (float(sum) · xscale) · wscale
        _mm256_store_ps(out, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][h]), xsv), _mm256_set1_ps(ws)));
      }
      for (int64_t j = 0; j < rows; ++j) a.y[(i0 + j) * a.ldy + n + r] = out[j];
    }
  }
}

// Dwords of eight rows r[0..7] (8 each) transposed in place: r[p] = {row 0's dword p, ..., row 7's}.
inline void Transpose8x8Dwords(__m256i r[8]) {
  __m256i t[8], u[8];
  for (int j = 0; j < 4; ++j) {
    t[2 * j] = _mm256_unpacklo_epi32(r[2 * j], r[2 * j + 1]);
    t[2 * j + 1] = _mm256_unpackhi_epi32(r[2 * j], r[2 * j + 1]);
  }
  for (int j = 0; j < 2; ++j) {  // rows 4j..4j+3
    u[4 * j + 0] = _mm256_unpacklo_epi64(t[4 * j], t[4 * j + 2]);
    u[4 * j + 1] = _mm256_unpackhi_epi64(t[4 * j], t[4 * j + 2]);
    u[4 * j + 2] = _mm256_unpacklo_epi64(t[4 * j + 1], t[4 * j + 3]);
    u[4 * j + 3] = _mm256_unpackhi_epi64(t[4 * j + 1], t[4 * j + 3]);
  }
  for (int p = 0; p < 4; ++p) {
    r[p] = _mm256_permute2x128_si256(u[p], u[4 + p], 0x20);
    r[p + 4] = _mm256_permute2x128_si256(u[p], u[4 + p], 0x31);
  }
}

// max |x[k]| over k < cols as AbsMax in kernels/quantize.cc takes it (std::max(m, |x|): a NaN
// never becomes the maximum; vmaxps returns its second operand when the first is NaN).
inline float AbsMaxAvx2(const float* x, int64_t cols) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 mv = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= cols; k += 8) mv = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + k)), mv);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, mv);
  float m = 0.0f;
  for (float v : lanes) m = std::max(m, v);
  for (; k < cols; ++k) m = std::max(m, std::fabs(x[k]));
  return m;
}

// round(clamp(x[k]·inv, −lim, lim)) for 8 k as int32: fmin(fmax(v, −lim), lim) (a NaN becomes
// −lim: vmaxps returns its second operand), rounded to nearest even as nearbyint is.
inline __m256i ClampRound8(const float* x, __m256 inv, __m256 nlim, __m256 lim) {
  const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x), inv);
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, nlim), lim));
}

// 8 int32 (each within int8) as 8 bytes at out.
inline void StoreInt8x8(__m256i v, int8_t* out) {
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(w16, w16));
}

// KernelTable::quantize_row: QuantizeActivationRow (kernels/quantize.h) bit for bit, 8 values at
// a time (the scalar loop calls fmaxf, fminf and nearbyintf per value: int4 prefill on AVX2
// spent 43 % of its GEMM time there).
float QuantizeRowAvx2(const float* x, int64_t cols, int64_t padded_cols, int8_t* q) {
  const float s = AbsMaxAvx2(x, cols) / 127.0f;
  const float inv = s > 0 ? 1.0f / s : 0.0f;
  const __m256 vinv = _mm256_set1_ps(inv), lim = _mm256_set1_ps(127.0f), nlim = _mm256_set1_ps(-127.0f);
  int64_t k = 0;
  for (; k + 8 <= cols; k += 8) StoreInt8x8(ClampRound8(x + k, vinv, nlim, lim), q + k);
  for (; k < cols; ++k) {
    const float v = std::fmin(std::fmax(x[k] * inv, -127.0f), 127.0f);
    q[k] = static_cast<int8_t>(static_cast<int>(std::nearbyint(v)));
  }
  for (k = cols; k < padded_cols; ++k) q[k] = 0;
  return s;
}

// KernelTable::quantize_row16: QuantizeActivationRow16 bit for bit (q = 256·hi + lo with
// hi = (q + 128) >> 8), 8 values at a time.
float QuantizeRow16Avx2(const float* x, int64_t cols, int64_t padded_cols, int8_t* hi, int8_t* lo) {
  const float s = AbsMaxAvx2(x, cols) / kActivation16Max;
  const float inv = s > 0 ? 1.0f / s : 0.0f;
  const __m256 vinv = _mm256_set1_ps(inv), lim = _mm256_set1_ps(kActivation16Max);
  const __m256 nlim = _mm256_set1_ps(-kActivation16Max);
  const __m256i bias = _mm256_set1_epi32(128);
  int64_t k = 0;
  for (; k + 8 <= cols; k += 8) {
    const __m256i q = ClampRound8(x + k, vinv, nlim, lim);
    const __m256i h = _mm256_srai_epi32(_mm256_add_epi32(q, bias), 8);
    StoreInt8x8(h, hi + k);
    StoreInt8x8(_mm256_sub_epi32(q, _mm256_slli_epi32(h, 8)), lo + k);
  }
  for (; k < cols; ++k) {
    const float v = std::fmin(std::fmax(x[k] * inv, -kActivation16Max), kActivation16Max);
    const int q = static_cast<int>(std::nearbyint(v));
    const int h = (q + 128) >> 8;
    hi[k] = static_cast<int8_t>(h);
    lo[k] = static_cast<int8_t>(q - 256 * h);
  }
  for (k = cols; k < padded_cols; ++k) hi[k] = lo[k] = 0;
  return s;
}

// KernelTable::wide16_tile: QuantizeActivationRow16's steps (scale from the row's max |x|, x·inv
// clamped to ±kActivation16Max, NaN → −max as fmax/fmin do, rounded to nearest even), each row
// into an int16 scratch row, then 8 pairs of 8 rows at a time transposed into the tile.
uint8_t Wide16LayOutTile(const float* x, int64_t rows, int64_t cols, int64_t ldk, int16_t* tile, float* xscale) {
  thread_local std::vector<int16_t> scratch;
  const size_t scratch_size = static_cast<size_t>(kWide16TileRows * ldk);
  if (scratch.size() < scratch_size) scratch.resize(scratch_size);
  const __m256 lim = _mm256_set1_ps(kActivation16Max), nlim = _mm256_set1_ps(-kActivation16Max);
  int64_t max_abs_sum = 0;
  for (int64_t r = 0; r < kWide16TileRows; ++r) {
    int16_t* out = scratch.data() + r * ldk;
    if (r >= rows) {
      std::fill(out, out + ldk, int16_t{0});
      continue;
    }
    const float* xr = x + r * cols;
    const float s = AbsMaxAvx2(xr, cols) / kActivation16Max;
    xscale[r] = s;
    const __m256 inv = _mm256_set1_ps(s > 0 ? 1.0f / s : 0.0f);
    __m256i abs_sum = _mm256_setzero_si256();
    for (int64_t k = 0; k < ldk; k += 16) {
      __m256i q[2];
      for (int h = 0; h < 2; ++h) {
        const int64_t k0 = k + 8 * h;
        __m256 v;
        if (k0 + 8 <= cols) {
          v = _mm256_loadu_ps(xr + k0);
        } else {
          alignas(32) float tail[8] = {};
          for (int64_t j = k0; j < cols; ++j) tail[j - k0] = xr[j];
          v = _mm256_load_ps(tail);
        }
        v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v, inv), nlim), lim);
        q[h] = _mm256_cvtps_epi32(v);
        abs_sum = _mm256_add_epi32(abs_sum, _mm256_abs_epi32(q[h]));
      }
      // packs interleaves the 128-bit lanes: [q0 0-3, q1 0-3 | q0 4-7, q1 4-7] → k order.
      const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), packed);
    }
    alignas(32) int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), abs_sum);
    int64_t sum = 0;
    for (int32_t v : lanes) sum += v;
    max_abs_sum = std::max(max_abs_sum, sum);
  }
  // Pairs p..p+7 of rows 8h..8h+7: each row's 8 dwords, transposed into 8 vectors of one pair.
  for (int64_t p = 0; p < ldk / 2; p += 8) {
    for (int h = 0; h < 2; ++h) {
      __m256i v[8];
      for (int r = 0; r < 8; ++r) {
        v[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(scratch.data() + (8 * h + r) * ldk + 2 * p));
      }
      Transpose8x8Dwords(v);
      for (int j = 0; j < 8; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + (p + j) * 32 + 16 * h), v[j]);
    }
  }
  return 127 * max_abs_sum > int64_t{std::numeric_limits<int32_t>::max()} ? 1 : 0;
}

// The range's weight rows are widened in passes of about 256 KiB of int16 (L2), and each
// activation tile (16 rows, in L1 for K ≤ 512) passes over all of a pass's rows: the widened
// rows are read at 0.125 byte per multiply-add, the activations once per pass.
constexpr int64_t kWide16PassBytes = 256 * 1024;

void GemmI8Wide16(const I8Wide16Args& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = a.ldk / 64, tiles = (a.m + kWide16TileRows - 1) / kWide16TileRows;
  const I8Strides strides = I8StridesOf(w);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const int64_t n_end = std::min(a.n_end, w.rows);
  const int64_t group_elems = 4 * a.ldk;
  const int64_t pass_groups = std::max<int64_t>(1, kWide16PassBytes / (2 * group_elems));
  thread_local std::vector<int16_t> wide;
  for (int64_t n0 = a.n_begin; n0 < n_end; n0 += 4 * pass_groups) {
    const int64_t groups = std::min(pass_groups, (n_end - n0 + 3) / 4);
    if (wide.size() < static_cast<size_t>(groups * group_elems)) wide.resize(static_cast<size_t>(groups * group_elems));
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t n = n0 + 4 * g;
      WidenRows4(base + (n / 4) * strides.group, strides, chunks, a.ldk, wide.data() + g * group_elems);
    }
    for (int64_t t = 0; t < tiles; ++t) {
      const bool full = a.m - t * kWide16TileRows > 8;
      for (int64_t g = 0; g < groups; ++g) {
        const int16_t* rows = wide.data() + g * group_elems;
        if (full) {
          Wide16Tile<2>(a, t, n0 + 4 * g, rows);
        } else {
          Wide16Tile<1>(a, t, n0 + 4 * g, rows);
        }
      }
    }
  }
}

// gemm_i4r16_xnnpack for activation rows i0..i0+MR−1 and weight rows n..n+15 (two halves of 8
// rows, a 32-bit lane per row as in I4Rows16). Per 32 inputs, the maddubs pair sums of the low
// nibbles (inputs 8s + 0..3) and of the high ones (8s + 4..7) are added in int16 separately (4 of
// them: ≤ 15,360, exact); the two int16 halves of each 32-bit lane are XNNPACK's lanes (pairs
// 0–1 and 2–3, 4–5 and 6–7), split by madd with (1, 0) and (0, 1). Exact integer lane sums and
// I4GemmArgs's float steps: the scalar reference's result bit for bit.
template <int MR>
void I4Rows16Xnnpack(const I4GemmArgs& a, int64_t i0, int64_t n) {
  const Matrix& w = *a.w;
  const int64_t block = ScaleBlock(w.dtype, w.cols), blocks = w.cols / block, steps = w.cols / 8;
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i first16 = _mm256_set1_epi32(1), second16 = _mm256_set1_epi32(1 << 16);
  const int8_t* x[MR];
  for (int i = 0; i < MR; ++i) x[i] = a.xq + (i0 + i) * a.ldx;
  for (int h = 0; h < 2; ++h) {
    const int64_t n_half = n + 8 * h;
    if (n_half >= w.rows) break;
    const uint8_t* p = static_cast<const uint8_t*>(w.data) + (n / 16) * steps * 64 + 32 * h;
    const float* sp = w.qb4w_scales + (n / 16) * blocks * 16 + 8 * h;
    const int64_t valid = std::min<int64_t>(8, w.rows - n_half);
    alignas(32) float init[8] = {};
    std::copy(w.qb4w_init + n_half, w.qb4w_init + n_half + valid, init);
    __m256 f[MR][4];
    for (int i = 0; i < MR; ++i) {
      const __m256 zp = _mm256_set1_ps(static_cast<float>(a.zero_point[i0 + i]));
      f[i][0] = _mm256_mul_ps(_mm256_load_ps(init), zp);
      for (int j = 1; j < 4; ++j) f[i][j] = _mm256_mul_ps(_mm256_setzero_ps(), zp);
    }
    for (int64_t b = 0; b < blocks; ++b) {
      __m256i acc[MR][4];
      for (int i = 0; i < MR; ++i) {
        for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_set1_epi32(a.xcorr[(i0 + i) * a.ldcorr + 4 * b + j]);
      }
      for (int64_t k = b * block; k < (b + 1) * block; k += 32, p += 256) {
        __m256i lo16[MR], hi16[MR];
        for (int i = 0; i < MR; ++i) lo16[i] = hi16[i] = _mm256_setzero_si256();
        for (int s = 0; s < 4; ++s) {
          const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * s));
          const __m256i lo = _mm256_and_si256(v, low4);
          const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
          for (int i = 0; i < MR; ++i) {
            lo16[i] = _mm256_add_epi16(lo16[i], _mm256_maddubs_epi16(lo, Broadcast4(x[i] + k + 8 * s)));
            hi16[i] = _mm256_add_epi16(hi16[i], _mm256_maddubs_epi16(hi, Broadcast4(x[i] + k + 8 * s + 4)));
          }
        }
        for (int i = 0; i < MR; ++i) {
          acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(lo16[i], first16));
          acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(lo16[i], second16));
          acc[i][2] = _mm256_add_epi32(acc[i][2], _mm256_madd_epi16(hi16[i], first16));
          acc[i][3] = _mm256_add_epi32(acc[i][3], _mm256_madd_epi16(hi16[i], second16));
        }
      }
      const __m256 scale = _mm256_load_ps(sp + b * 16);
      for (int i = 0; i < MR; ++i) {
        for (int j = 0; j < 4; ++j) f[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i][j]), scale, f[i][j]);
      }
    }
    for (int i = 0; i < MR; ++i) {
      const __m256 sum = _mm256_add_ps(_mm256_add_ps(f[i][0], f[i][1]), _mm256_add_ps(f[i][2], f[i][3]));
      const __m256 v = _mm256_fmadd_ps(sum, _mm256_set1_ps(a.xscale[i0 + i]), _mm256_setzero_ps());
      float* out = a.y + (i0 + i) * a.ldy + n_half;
      if (valid == 8) {
        _mm256_storeu_ps(out, v);
      } else {
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, v);
        std::copy(tmp, tmp + valid, out);
      }
    }
  }
}

void GemmI4Rows16Xnnpack(const I4GemmArgs& a) {
  const int64_t n_end = std::min(a.n_end, a.w->rows);
  for (int64_t n = a.n_begin; n < n_end; n += 16) {
    int64_t i = 0;
    for (; i + kRows16Mr <= a.m; i += kRows16Mr) I4Rows16Xnnpack<kRows16Mr>(a, i, n);
    if (i < a.m) I4Rows16Xnnpack<1>(a, i, n);
  }
}

}  // namespace

const KernelTable& Avx2Kernels() {
  static const KernelTable table = {Isa::kAvx2, "avx2", &GemmI8, &GemmI8, &GemvI8WeightOnly,
                                    &GemvF16, &GemvI4, nullptr, &GemmI4Rows16, &GemmI4Rows16Xnnpack,
                                    &QuantizeRowAvx2,
                                    &QuantizeRow16Avx2, true, nullptr, 0, 0, nullptr, nullptr,
                                    &PrefillAttentionAvx2, &GemmI8Wide16, &Wide16LayOutTile};
  return table;
}

}  // namespace litertlm

LITERTLM_TARGET_POP()
#else
namespace litertlm {
const KernelTable& Avx2Kernels() { return ScalarKernels(); }
}  // namespace litertlm
#endif
