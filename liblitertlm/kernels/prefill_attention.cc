// The portable driver of the fused prefill attention and its scalar tile operations (the
// reference the vector levels are tested against).
#include "kernels/prefill_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/attention_ops.h"
#include "kernels/fast_exp.h"
#include "kernels/kernel_table.h"

namespace litertlm {
namespace {

constexpr int kMaxLanes = 16;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Row stride of the transposed queries and the scores for rp rows: an odd multiple of 64 bytes
// (16 floats) beyond a multiple of 256 bytes, so that rows a power of two apart fall in different
// L1 sets (at rp = 256 a 1 KiB stride put the 64 score rows of a tile in 4 sets).
int64_t RowStride(int64_t rp) { return RoundUp(rp, 64) + 16; }

// The scratch of one call, carved from PrefillAttentionArgs::scratch.
struct Scratch {
  float* qt;    // d × ld: the query rows transposed
  float* o;     // rp × dp: the unnormalised outputs
  float* st;    // kPrefillKeyTile × ld: one tile's scores, then its probabilities
  float* m;     // rp: running maxima
  float* l;     // rp: running sums
  float* corr;  // rp: the last tile's rescale factors
  float* lo;    // rp: first visible position (as a float)
  float* hi;    // rp: last visible position
  float* kt;    // kPrefillKeyTile × d: a key tile widened to fp32
  float* vt;    // kPrefillKeyTile × RowStride(dp): a value tile widened to fp32 (and padded to dp)
};

Scratch CarveScratch(float* p, int64_t rp, int64_t ld, int64_t dp, int d) {
  Scratch s;
  s.qt = p;
  s.o = s.qt + int64_t{d} * ld;
  s.st = s.o + rp * dp;
  s.m = s.st + kPrefillKeyTile * ld;
  s.l = s.m + rp;
  s.corr = s.l + rp;
  s.lo = s.corr + rp;
  s.hi = s.lo + rp;
  s.kt = s.hi + rp;
  s.vt = s.kt + int64_t{kPrefillKeyTile} * d;
  return s;
}

// Rows [j, j + n) of the keys (values = true: of the values) as fp32 rows of `pad` floats (zero
// padded beyond d) with stride *ld: the cache itself when it is fp32 and pad = d = `stride`,
// else `tile` (widened, at stride `stride`).
const float* WideRows(const PrefillAttentionArgs& a, bool values, int64_t j, int64_t n,
                      int64_t pad, int64_t stride, float* tile, int64_t* ld) {
  const int d = a.d;
  const void* base = values ? a.v : a.k;
  if (a.kv_type == AttentionKvType::kF32 && pad == d && stride == d) {
    *ld = d;
    return static_cast<const float*>(base) + j * d;
  }
  const AttentionOps& ops = ActiveAttentionOps();
  *ld = stride;
  for (int64_t i = 0; i < n; ++i) {
    float* dst = tile + i * stride;
    switch (a.kv_type) {
      case AttentionKvType::kF32:
        std::copy_n(static_cast<const float*>(base) + (j + i) * d, d, dst);
        break;
      case AttentionKvType::kF16:
        ops.to_f32(static_cast<const uint16_t*>(base) + (j + i) * d, dst, d);
        break;
      case AttentionKvType::kQ8: {
        const int per_row = d / a.q8_block;
        ops.q8_to_f32(static_cast<const int8_t*>(base) + (j + i) * d,
                      (values ? a.v_scales : a.k_scales) + (j + i) * per_row, dst, d, a.q8_block);
        break;
      }
    }
    std::fill(dst + d, dst + pad, 0.0f);
  }
  return tile;
}

// Visible ranges and the transposed queries of rows r < rp (row r = head r / queries, query
// r % queries; padding rows repeat the last row's range and hold zero queries). The queries are
// transposed 16 rows at a time: 16 sequential reads, one 64-byte line written per column.
void PrepareRows(const PrefillAttentionArgs& a, int64_t rows, int64_t rp, int64_t ld,
                 const Scratch& s) {
  const int d = a.d;
  constexpr int kRows = 16;
  for (int64_t r0 = 0; r0 < rp; r0 += kRows) {
    const float* src[kRows];
    const int n = static_cast<int>(std::min<int64_t>(kRows, rp - r0));
    for (int i = 0; i < n; ++i) {
      const int64_t r = r0 + i, rr = std::min(r, rows - 1);
      const int64_t head = rr / a.queries, t = rr % a.queries;
      const int64_t pos = a.first_pos + t;
      s.lo[r] = static_cast<float>(a.window > 0 ? std::max(a.kv_begin, pos - a.window + 1)
                                                : a.kv_begin);
      s.hi[r] = static_cast<float>(pos);
      s.m[r] = kNegInf;
      s.l[r] = 0.0f;
      src[i] = r < rows ? a.q + t * a.ldq + head * d : nullptr;
    }
    for (int c = 0; c < d; ++c) {
      float* dst = s.qt + c * ld + r0;
      for (int i = 0; i < n; ++i) dst[i] = src[i] != nullptr ? src[i][c] : 0.0f;
    }
  }
}

void ScoresScalar(const float* qt, int64_t rp, int64_t ld, int d, const float* k, int64_t ldk,
                  int keys, float scale, float* st) {
  for (int j = 0; j < keys; ++j) {
    float* row = st + j * ld;
    std::fill(row, row + rp, 0.0f);
    for (int c = 0; c < d; ++c) {
      const float kc = k[j * ldk + c];
      const float* q = qt + c * ld;
      for (int64_t r = 0; r < rp; ++r) row[r] += q[r] * kc;
    }
    for (int64_t r = 0; r < rp; ++r) row[r] *= scale;
  }
}

void SoftmaxScalar(float* st, int64_t rp, int64_t ld, int keys, float key0, const float* lo,
                   const float* hi, float* m, float* l, float* corr) {
  for (int64_t r = 0; r < rp; ++r) corr[r] = kNegInf;  // the tile's maxima, first
  for (int j = 0; j < keys; ++j) {
    const float key = key0 + static_cast<float>(j);
    for (int64_t r = 0; r < rp; ++r) {
      if (key >= lo[r] && key <= hi[r]) corr[r] = std::max(corr[r], st[j * ld + r]);
    }
  }
  for (int64_t r = 0; r < rp; ++r) {
    const float m_new = std::max(m[r], corr[r]);
    float c = 1.0f;
    if (m[r] != kNegInf) {
      c = ExpNoLibm(m[r] - m_new);
    } else if (m_new != kNegInf) {
      c = 0.0f;
    }
    corr[r] = c;
    l[r] *= c;
    m[r] = m_new;
  }
  for (int j = 0; j < keys; ++j) {
    const float key = key0 + static_cast<float>(j);
    for (int64_t r = 0; r < rp; ++r) {
      float& s = st[j * ld + r];
      const bool visible = key >= lo[r] && key <= hi[r];
      s = visible ? ExpNoLibm(s - m[r]) : 0.0f;
      l[r] += s;
    }
  }
}

void AccumulateScalar(const float* st, int64_t rp, int64_t ld, int keys, const float* v,
                      int64_t ldv, int dp, const float* corr, float* o, int64_t ldo) {
  for (int64_t r = 0; r < rp; ++r) {
    for (int c = 0; c < dp; ++c) o[r * ldo + c] *= corr[r];
  }
  for (int j = 0; j < keys; ++j) {
    const float* vj = v + j * ldv;
    for (int64_t r = 0; r < rp; ++r) {
      const float p = st[j * ld + r];
      float* out = o + r * ldo;
      for (int c = 0; c < dp; ++c) out[c] += p * vj[c];
    }
  }
}

}  // namespace

int64_t PrefillAttentionScratchFloats(int64_t rows, int d) {
  const int64_t rp = RoundUp(rows, kMaxLanes), dp = RoundUp(d, kMaxLanes);
  const int64_t ld = RowStride(rp);
  return int64_t{d} * ld + rp * dp + kPrefillKeyTile * ld + 5 * rp +
         kPrefillKeyTile * (d + RowStride(dp));
}

void RunPrefillAttention(const PrefillAttentionArgs& a, const PrefillTileOps& ops) {
  const int d = a.d;
  const int64_t rows = int64_t{a.heads} * a.queries;
  if (rows == 0) return;
  const int64_t rp = RoundUp(rows, ops.lanes), dp = RoundUp(d, ops.lanes);
  const int64_t ld = RowStride(rp);
  // Value rows are read a 64-column slice at a time down the tile's keys: at a stride of 1 KiB
  // (an fp32 cache of head_dim 256) those slices fell in 16 L1 sets and missed; a vector-wide
  // level reads them from a copy at a stride that spreads them.
  const int64_t vstride = ops.lanes > 1 ? RowStride(dp) : dp;
  const Scratch s = CarveScratch(a.scratch, rp, ld, dp, d);
  PrepareRows(a, rows, rp, ld, s);
  std::fill(s.o, s.o + rp * dp, 0.0f);
  // Keys any row sees: from the first query's window start to the last query.
  const int64_t first = static_cast<int64_t>(s.lo[0]);
  const int64_t last = a.first_pos + a.queries - 1;
  for (int64_t j0 = first; j0 <= last; j0 += kPrefillKeyTile) {
    const int n = static_cast<int>(std::min<int64_t>(kPrefillKeyTile, last - j0 + 1));
    int64_t ldk = 0, ldv = 0;
    const float* k = WideRows(a, /*values=*/false, j0 - a.kv_begin, n, d, d, s.kt, &ldk);
    ops.scores(s.qt, rp, ld, d, k, ldk, n, a.scale, s.st);
    if (a.softcap > 0.0f) {
      for (int j = 0; j < n; ++j) {
        float* row = s.st + j * ld;
        for (int64_t r = 0; r < rp; ++r) row[r] = std::tanh(row[r] / a.softcap) * a.softcap;
      }
    }
    ops.softmax(s.st, rp, ld, n, static_cast<float>(j0), s.lo, s.hi, s.m, s.l, s.corr);
    const float* v = WideRows(a, /*values=*/true, j0 - a.kv_begin, n, dp, vstride, s.vt, &ldv);
    ops.accumulate(s.st, rp, ld, n, v, ldv, static_cast<int>(dp), s.corr, s.o, dp);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t head = r / a.queries, t = r % a.queries;
    const float inv = 1.0f / s.l[r];
    const float* o = s.o + r * dp;
    float* out = a.out + t * a.ldo + head * d;
    for (int c = 0; c < d; ++c) out[c] = o[c] * inv;
  }
}

const PrefillTileOps& ScalarPrefillTileOps() {
  static const PrefillTileOps ops = {1, &ScoresScalar, &SoftmaxScalar, &AccumulateScalar};
  return ops;
}

void PrefillAttentionScalar(const PrefillAttentionArgs& args) {
  RunPrefillAttention(args, ScalarPrefillTileOps());
}

void PrefillAttentionAvx2(const PrefillAttentionArgs& args) {
  RunPrefillAttention(args, *Avx2PrefillTileOps());
}

void PrefillAttentionAvx512(const PrefillAttentionArgs& args) {
  RunPrefillAttention(args, *Avx512PrefillTileOps());
}

}  // namespace litertlm
