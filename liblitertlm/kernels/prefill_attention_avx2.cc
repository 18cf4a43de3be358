// AVX2 + FMA tile operations of the fused prefill attention (kernels/prefill_attention.h): the
// AVX-512 level's scheme at 8 query rows per vector (6 keys × 16 rows of scores, 4 rows × 24
// columns of outputs in registers).
#include "kernels/prefill_attention.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/isa_target.h"
#include "kernels/kernel_table.h"

LITERTLM_TARGET_PUSH("avx2,fma,f16c")

namespace litertlm {
namespace {

constexpr int kLanes = 8;
constexpr int kScoreKeys = 6;
constexpr int kScoreVecs = 2;
constexpr int kAccRows = 4;
constexpr int kAccVecs = 3;

template <int K, int N>
inline void ScoresBlock(const float* qt, int64_t ld, int d, const float* k, int64_t ldk,
                        float scale, float* st) {
  __m256 acc[K][N];
  LITERTLM_UNROLL for (int i = 0; i < K; ++i) {
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) acc[i][n] = _mm256_setzero_ps();
  }
  for (int c = 0; c < d; ++c) {
    __m256 q[N];
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) q[n] = _mm256_loadu_ps(qt + c * ld + n * kLanes);
    LITERTLM_UNROLL for (int i = 0; i < K; ++i) {
      const __m256 kv = _mm256_broadcast_ss(k + i * ldk + c);
      LITERTLM_UNROLL for (int n = 0; n < N; ++n) acc[i][n] = _mm256_fmadd_ps(kv, q[n], acc[i][n]);
    }
  }
  const __m256 vscale = _mm256_set1_ps(scale);
  LITERTLM_UNROLL for (int i = 0; i < K; ++i) {
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) {
      _mm256_storeu_ps(st + i * ld + n * kLanes, _mm256_mul_ps(acc[i][n], vscale));
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
  if (r < rp) ScoresRows<1>(qt + r, ld, d, k, ldk, keys, scale, st + r);
}

// exp(x) as kernels/fast_exp.h computes it, with fused multiply-adds.
inline __m256 Exp(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  x = _mm256_min_ps(x, _mm256_set1_ps(89.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i bits =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

// All-ones lanes whose rows see the key at position key0 + j.
inline __m256 Visible(float key0, int j, __m256 lo, __m256 hi) {
  const __m256 key = _mm256_set1_ps(key0 + static_cast<float>(j));
  return _mm256_and_ps(_mm256_cmp_ps(key, lo, _CMP_GE_OQ), _mm256_cmp_ps(key, hi, _CMP_LE_OQ));
}

void Softmax(float* st, int64_t rp, int64_t ld, int keys, float key0, const float* lo,
             const float* hi, float* m, float* l, float* corr) {
  const __m256 neg_inf = _mm256_set1_ps(-__builtin_inff());
  for (int64_t r = 0; r < rp; r += kLanes) {
    const __m256 vlo = _mm256_loadu_ps(lo + r), vhi = _mm256_loadu_ps(hi + r);
    __m256 tile_max = neg_inf;
    for (int j = 0; j < keys; ++j) {
      const __m256 s = _mm256_loadu_ps(st + j * ld + r);
      tile_max = _mm256_blendv_ps(tile_max, _mm256_max_ps(tile_max, s),
                                  Visible(key0, j, vlo, vhi));
    }
    const __m256 m_old = _mm256_loadu_ps(m + r);
    const __m256 m_new = _mm256_max_ps(m_old, tile_max);
    const __m256 had = _mm256_cmp_ps(m_old, neg_inf, _CMP_NEQ_OQ);
    const __m256 has = _mm256_cmp_ps(m_new, neg_inf, _CMP_NEQ_OQ);
    // exp(m_old − m_new) where the row had a maximum; 0 where it gets its first; 1 where it has none.
    __m256 c = _mm256_andnot_ps(has, _mm256_set1_ps(1.0f));
    c = _mm256_blendv_ps(c, Exp(_mm256_sub_ps(m_old, m_new)), had);
    __m256 sum = _mm256_setzero_ps();
    for (int j = 0; j < keys; ++j) {
      float* s = st + j * ld + r;
      const __m256 keep = _mm256_and_ps(Visible(key0, j, vlo, vhi), has);
      const __m256 p = _mm256_and_ps(keep, Exp(_mm256_sub_ps(_mm256_loadu_ps(s), m_new)));
      _mm256_storeu_ps(s, p);
      sum = _mm256_add_ps(sum, p);
    }
    _mm256_storeu_ps(l + r, _mm256_fmadd_ps(_mm256_loadu_ps(l + r), c, sum));
    _mm256_storeu_ps(m + r, m_new);
    _mm256_storeu_ps(corr + r, c);
  }
}

template <int R, int N>
inline void AccumulateBlock(const float* st, int64_t ld, int keys, const float* v, int64_t ldv,
                            const float* corr, float* o, int64_t ldo) {
  __m256 acc[R][N];
  LITERTLM_UNROLL for (int i = 0; i < R; ++i) {
    const __m256 c = _mm256_set1_ps(corr[i]);
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) {
      acc[i][n] = _mm256_mul_ps(_mm256_loadu_ps(o + i * ldo + n * kLanes), c);
    }
  }
  for (int j = 0; j < keys; ++j) {
    __m256 x[N];
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) x[n] = _mm256_loadu_ps(v + j * ldv + n * kLanes);
    LITERTLM_UNROLL for (int i = 0; i < R; ++i) {
      const __m256 p = _mm256_broadcast_ss(st + j * ld + i);
      LITERTLM_UNROLL for (int n = 0; n < N; ++n) acc[i][n] = _mm256_fmadd_ps(p, x[n], acc[i][n]);
    }
  }
  LITERTLM_UNROLL for (int i = 0; i < R; ++i) {
    LITERTLM_UNROLL for (int n = 0; n < N; ++n) {
      _mm256_storeu_ps(o + i * ldo + n * kLanes, acc[i][n]);
    }
  }
}

template <int N>
void AccumulateColumns(const float* st, int64_t rp, int64_t ld, int keys, const float* v,
                       int64_t ldv, const float* corr, float* o, int64_t ldo) {
  for (int64_t r = 0; r < rp; r += kAccRows) {  // rp is a multiple of 8
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
    case 2: AccumulateColumns<2>(st, rp, ld, keys, v + c, ldv, corr, o + c, ldo); break;
    case 1: AccumulateColumns<1>(st, rp, ld, keys, v + c, ldv, corr, o + c, ldo); break;
    default: break;
  }
}

}  // namespace

const PrefillTileOps* Avx2PrefillTileOps() {
  static const PrefillTileOps ops = {kLanes, &Scores, &Softmax, &Accumulate};
  return CpuSupports(Isa::kAvx2) ? &ops : nullptr;
}

}  // namespace litertlm

LITERTLM_TARGET_POP()
#else
namespace litertlm {
const PrefillTileOps* Avx2PrefillTileOps() { return nullptr; }
}  // namespace litertlm
#endif
