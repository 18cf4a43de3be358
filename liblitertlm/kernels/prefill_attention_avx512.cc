// AVX-512 tile operations of the fused prefill attention (kernels/prefill_attention.h): 16
// query rows per vector. Scores broadcast one key value against the transposed queries (no
// transposed keys, so a cache tile is used in place); the softmax runs down the rows in vectors;
// the weighted sum keeps a 4 × 64 block of outputs in registers across the tile's keys.
#include "kernels/prefill_attention.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wuninitialized through _mm512_undefined_* (a known false
// positive); silence it for this file only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "kernels/isa_target.h"
#include "kernels/kernel_table.h"

LITERTLM_TARGET_PUSH("avx512f,avx512dq,avx512vl,avx512bw,fma,f16c,avx2")

namespace litertlm {
namespace {

constexpr int kLanes = 16;
// Scores: kScoreKeys keys × kScoreVecs vectors of query rows in registers.
constexpr int kScoreKeys = 6;
constexpr int kScoreVecs = 4;
// Accumulate: kAccRows output rows × kAccVecs vectors of columns in registers.
constexpr int kAccRows = 4;
constexpr int kAccVecs = 4;

// st[(j + i)·ld + r0 + 16·n] = scale · Σ_c qt[c·ld + r0 + 16·n] · k[(j + i)·ldk + c]
template <int K, int N>
inline void ScoresBlock(const float* qt, int64_t ld, int d, const float* k, int64_t ldk,
                        float scale, float* st) {
  __m512 acc[K][N];
  LITERTLM_UNROLL for (int i = 0; i < K; ++i) {
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) acc[i][n] = _mm512_setzero_ps();
  }
  for (int c = 0; c < d; ++c) {
    __m512 q[N];
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) q[n] = _mm512_loadu_ps(qt + c * ld + n * kLanes);
    LITERTLM_UNROLL for (int i = 0; i < K; ++i) {
      const __m512 kv = _mm512_set1_ps(k[i * ldk + c]);
      LITERTLM_UNROLL for (int n = 0; n < N; ++n) acc[i][n] = _mm512_fmadd_ps(kv, q[n], acc[i][n]);
    }
  }
  const __m512 vscale = _mm512_set1_ps(scale);
  LITERTLM_UNROLL for (int i = 0; i < K; ++i) {
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) {
      _mm512_storeu_ps(st + i * ld + n * kLanes, _mm512_mul_ps(acc[i][n], vscale));
    }
  }
}

template <int N>
void ScoresRows(const float* qt, int64_t ld, int d, const float* k, int64_t ldk, int keys,
                float scale, float* st) {
  int j = 0;
  for (; j + kScoreKeys <= keys; j += kScoreKeys) {
    ScoresBlock<kScoreKeys, N>(qt, ld, d, k + j * ldk, ldk, scale, st + j * ld);
  }
  const float* kj = k + j * ldk;
  float* sj = st + j * ld;
  switch (keys - j) {
    case 5: ScoresBlock<5, N>(qt, ld, d, kj, ldk, scale, sj); break;
    case 4: ScoresBlock<4, N>(qt, ld, d, kj, ldk, scale, sj); break;
    case 3: ScoresBlock<3, N>(qt, ld, d, kj, ldk, scale, sj); break;
    case 2: ScoresBlock<2, N>(qt, ld, d, kj, ldk, scale, sj); break;
    case 1: ScoresBlock<1, N>(qt, ld, d, kj, ldk, scale, sj); break;
    default: break;
  }
}

void Scores(const float* qt, int64_t rp, int64_t ld, int d, const float* k, int64_t ldk,
            int keys, float scale, float* st) {
  int64_t r = 0;
  for (; r + kScoreVecs * kLanes <= rp; r += kScoreVecs * kLanes) {
    ScoresRows<kScoreVecs>(qt + r, ld, d, k, ldk, keys, scale, st + r);
  }
  switch ((rp - r) / kLanes) {
    case 3: ScoresRows<3>(qt + r, ld, d, k, ldk, keys, scale, st + r); break;
    case 2: ScoresRows<2>(qt + r, ld, d, k, ldk, keys, scale, st + r); break;
    case 1: ScoresRows<1>(qt + r, ld, d, k, ldk, keys, scale, st + r); break;
    default: break;
  }
}

// exp(x) as kernels/fast_exp.h computes it (clamped to [-87, 89], degree-6 polynomial of the
// reduced argument, times 2^n), with fused multiply-adds.
inline __m512 Exp(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  x = _mm512_min_ps(x, _mm512_set1_ps(89.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720.0f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// Lanes whose rows see the key at position key0 + j.
inline __mmask16 Visible(float key0, int j, __m512 lo, __m512 hi) {
  const __m512 key = _mm512_set1_ps(key0 + static_cast<float>(j));
  return static_cast<__mmask16>(_mm512_cmp_ps_mask(key, lo, _CMP_GE_OQ) &
                                _mm512_cmp_ps_mask(key, hi, _CMP_LE_OQ));
}

void Softmax(float* st, int64_t rp, int64_t ld, int keys, float key0, const float* lo,
             const float* hi, float* m, float* l, float* corr) {
  const __m512 neg_inf = _mm512_set1_ps(-__builtin_inff());
  for (int64_t r = 0; r < rp; r += kLanes) {
    const __m512 vlo = _mm512_loadu_ps(lo + r), vhi = _mm512_loadu_ps(hi + r);
    __m512 tile_max = neg_inf;
    for (int j = 0; j < keys; ++j) {
      tile_max = _mm512_mask_max_ps(tile_max, Visible(key0, j, vlo, vhi), tile_max, _mm512_loadu_ps(st + j * ld + r));
    }
    const __m512 m_old = _mm512_loadu_ps(m + r);
    const __m512 m_new = _mm512_max_ps(m_old, tile_max);
    const __mmask16 had = _mm512_cmp_ps_mask(m_old, neg_inf, _CMP_NEQ_OQ);
    const __mmask16 has = _mm512_cmp_ps_mask(m_new, neg_inf, _CMP_NEQ_OQ);
    // exp(m_old − m_new) where the row had a maximum; 0 where it gets its first; 1 where it has none.
    __m512 c = _mm512_mask_blend_ps(has, _mm512_set1_ps(1.0f), _mm512_setzero_ps());
    c = _mm512_mask_mov_ps(c, had, Exp(_mm512_sub_ps(m_old, m_new)));
    __m512 sum = _mm512_setzero_ps();
    for (int j = 0; j < keys; ++j) {
      float* s = st + j * ld + r;
      const __m512 p =
          _mm512_maskz_mov_ps(Visible(key0, j, vlo, vhi) & has, Exp(_mm512_sub_ps(_mm512_loadu_ps(s), m_new)));
      _mm512_storeu_ps(s, p);
      sum = _mm512_add_ps(sum, p);
    }
    _mm512_storeu_ps(l + r, _mm512_fmadd_ps(_mm512_loadu_ps(l + r), c, sum));
    _mm512_storeu_ps(m + r, m_new);
    _mm512_storeu_ps(corr + r, c);
  }
}

// o[(r0 + i)·ldo + c0 + 16·n] = corr · o + Σ_j st[j·ld + r0 + i] · v[j·ldv + c0 + 16·n]
template <int R, int N>
inline void AccumulateBlock(const float* st, int64_t ld, int keys, const float* v, int64_t ldv,
                            const float* corr, float* o, int64_t ldo) {
  __m512 acc[R][N];
  LITERTLM_UNROLL for (int i = 0; i < R; ++i) {
    const __m512 c = _mm512_set1_ps(corr[i]);
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) {
      acc[i][n] = _mm512_mul_ps(_mm512_loadu_ps(o + i * ldo + n * kLanes), c);
    }
  }
  for (int j = 0; j < keys; ++j) {
    __m512 x[N];
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) x[n] = _mm512_loadu_ps(v + j * ldv + n * kLanes);
    LITERTLM_UNROLL for (int i = 0; i < R; ++i) {
      const __m512 p = _mm512_set1_ps(st[j * ld + i]);
      LITERTLM_UNROLL for (int n = 0; n < N; ++n) acc[i][n] = _mm512_fmadd_ps(p, x[n], acc[i][n]);
    }
  }
  LITERTLM_UNROLL for (int i = 0; i < R; ++i) {
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) {
      _mm512_storeu_ps(o + i * ldo + n * kLanes, acc[i][n]);
    }
  }
}

template <int N>
void AccumulateColumns(const float* st, int64_t rp, int64_t ld, int keys, const float* v,
                       int64_t ldv, const float* corr, float* o, int64_t ldo) {
  for (int64_t r = 0; r < rp; r += kAccRows) {  // rp is a multiple of 16
    AccumulateBlock<kAccRows, N>(st + r, ld, keys, v, ldv, corr + r, o + r * ldo, ldo);
  }
}

void Accumulate(const float* st, int64_t rp, int64_t ld, int keys, const float* v, int64_t ldv,
                int dp, const float* corr, float* o, int64_t ldo) {
  int c = 0;
  for (; c + kAccVecs * kLanes <= dp; c += kAccVecs * kLanes) {
    AccumulateColumns<kAccVecs>(st, rp, ld, keys, v + c, ldv, corr, o + c, ldo);
  }
  switch ((dp - c) / kLanes) {
    case 3: AccumulateColumns<3>(st, rp, ld, keys, v + c, ldv, corr, o + c, ldo); break;
    case 2: AccumulateColumns<2>(st, rp, ld, keys, v + c, ldv, corr, o + c, ldo); break;
    case 1: AccumulateColumns<1>(st, rp, ld, keys, v + c, ldv, corr, o + c, ldo); break;
    default: break;
  }
}

}  // namespace

const PrefillTileOps* Avx512PrefillTileOps() {
  static const PrefillTileOps ops = {kLanes, &Scores, &Softmax, &Accumulate};
  return CpuSupports(Isa::kAvx512Vnni) ? &ops : nullptr;
}

}  // namespace litertlm

LITERTLM_TARGET_POP()
#pragma GCC diagnostic pop
#else
namespace litertlm {
const PrefillTileOps* Avx512PrefillTileOps() { return nullptr; }
}  // namespace litertlm
#endif
