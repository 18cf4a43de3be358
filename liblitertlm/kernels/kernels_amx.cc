// AMX-INT8 kernels (Intel Sapphire Rapids and later): the int8 GEMM on the tile unit
// (gemm_i8_tiles), everything else as the AVX-512 VNNI table.
//
// The weights (kPacked4x64, or kRowMajor used in place; kernels/pack.h's I8Strides) are the tile
// multiply's A operand, in two shapes: runs of 64 rows go on 16-row tiles (WeightTiles: for
// kPacked4x64 row 4i + j of 16 consecutive 4-row groups, at the group stride; for kRowMajor 16
// consecutive rows), copied slice by slice of K into a contiguous buffer that stays in L1 while
// every column block of activations passes over it (the next slice prefetched meanwhile), two
// weight tiles × two column blocks at a time (with one column block, batched decode, the four
// tiles of rows 4i + j are read straight from the weights); 4-row tiles take one group's chunk
// (4 rows at the row stride) for what is left over. The activations are
// the B operand, which the tile unit reads in "VNNI" order, four consecutive k of each column side
// by side; PackI8Tiles lays them out so once per Linear call (I8GemmArgs::xq_tiles), 16 activation
// rows to a column block, missing rows zero. TDPBSSD multiplies signed by signed bytes into exact
// int32 sums, so the results are bit-identical to the VNNI kernels' (which reach the same
// integers through the u8/s8 offset trick).
//
// Tile registers: tmm0–3 accumulate C (16 or 4 weight rows × 16 activation columns, int32);
// tmm4/5 take the weight chunks in turn; tmm6/7 the activation chunks (in turn, or the two column
// blocks of a 2 × 2 pass).
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
// GCC 12's AVX-512 headers trip -Wuninitialized through _mm512_undefined_* (a known false
// positive, as in kernels_avx512.cc); silence it for this file only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/isa_target.h"
#include "kernels/pack.h"

LITERTLM_TARGET_PUSH("amx-tile,amx-int8,avx512f,avx512bw,avx512vl,avx512vnni,avx512dq,fma,f16c,avx2,bmi2")

namespace litertlm {
namespace {

constexpr int64_t kTileCols = 16;             // activation rows per column block
constexpr int64_t kTileBytes = 16 * 64;       // one activation chunk of a column block
constexpr int kMaxGroups = 4;                 // weight groups (4 rows each) per pass
constexpr int64_t kPanelBytes = 384 << 10;    // activation tiles kept in L2 at a time
// Software prefetch distance in each group's weight stream. The groups of a pass lie back to
// back, so 8 KiB ahead reaches into the next pass's groups; measured on Gemma 3's 262144 × 640
// LM head with 4–16 activation rows, 2 threads: 8 KiB 5.4–8.7 ms, 2 KiB 10–11 ms, 4 KiB 9.8,
// 12 KiB 8.3–8.5, 16 KiB 7.6–9.1 (benchmarks/micro/gemm_bench, DecodeBatch). "The same chunk
// of the group one pass ahead" (4 group strides) measured no better (8.0–8.3 ms).
constexpr int64_t kAmxPrefetch = 8192;
// From this many int8 rows on, Linear takes the tiles (one activation row, the decode GEMV,
// stays on VNNI). With 4-row tiles only, 2–4 sequences of batched decode were faster on VNNI's
// gemm_i8; with 16-row tiles the tiles win there too: Gemma 3's LM head, weights from memory,
// 2 threads, 2 / 4 sequences: 6.0–6.8 / 6.3–6.6 ms against VNNI's 6.5–6.6 / 8.0–8.2
// (gemm_bench DecodeBatch).
constexpr int64_t kTilesMinRows = 2;

// The LDTILECFG memory operand (64 bytes, palette 1).
struct alignas(64) TileConfig {
  uint8_t palette_id = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// C and A tiles of `rows` weight rows (4: one group per tile; 16: every fourth row of 16 groups),
// B tiles of 16 k-quads; 16 activation columns throughout.
void ConfigureTiles(int rows) {
  TileConfig cfg;
  for (int t = 0; t < 6; ++t) {  // C (tmm0–3): rows × 16 int32; A (tmm4–5): rows × 64 bytes of k
    cfg.rows[t] = static_cast<uint8_t>(rows);
    cfg.colsb[t] = 64;
  }
  for (int t = 6; t < 8; ++t) {  // B: 16 k-quads × (16 columns × 4 bytes)
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
}

int64_t I8TilesBytes(int64_t m, int64_t ldx) {
  return (m + kTileCols - 1) / kTileCols * kTileCols * ldx;
}

// In-register transpose of a 16 × 16 int32 block: r[a][b] → r[b][a] (unpack within 128-bit
// lanes, then a 4 × 4 transpose of the lanes).
inline void Transpose16x16(__m512i r[16]) {
  __m512i a[16], b[16];
  for (int k = 0; k < 8; ++k) {
    a[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    a[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {  // lane L of b[4k + m] = rows 4k..4k+3 at column 4L + m
    b[4 * k] = _mm512_unpacklo_epi64(a[4 * k], a[4 * k + 2]);
    b[4 * k + 1] = _mm512_unpackhi_epi64(a[4 * k], a[4 * k + 2]);
    b[4 * k + 2] = _mm512_unpacklo_epi64(a[4 * k + 1], a[4 * k + 3]);
    b[4 * k + 3] = _mm512_unpackhi_epi64(a[4 * k + 1], a[4 * k + 3]);
  }
  for (int m = 0; m < 4; ++m) {
    const __m512i x0 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0x44);
    const __m512i x1 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0xEE);
    const __m512i y0 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0x44);
    const __m512i y1 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0xEE);
    r[m] = _mm512_shuffle_i32x4(x0, y0, 0x88);
    r[4 + m] = _mm512_shuffle_i32x4(x0, y0, 0xDD);
    r[8 + m] = _mm512_shuffle_i32x4(x1, y1, 0x88);
    r[12 + m] = _mm512_shuffle_i32x4(x1, y1, 0xDD);
  }
}

// out[(cb·chunks + c)·1024 + q·64 + col·4 + b] = xq[(cb·16 + col)·ldx + c·64 + q·4 + b], zero for
// rows ≥ m: each 16-row × 64-byte block of xq, read as 16 × 16 int32, transposed.
void PackI8Tiles(const int8_t* xq, int64_t m, int64_t ldx, int8_t* out) {
  const int64_t chunks = ldx / 64;
  const int64_t blocks = (m + kTileCols - 1) / kTileCols;
  for (int64_t cb = 0; cb < blocks; ++cb) {
    const int64_t cols = std::min(kTileCols, m - cb * kTileCols);
    const int8_t* src = xq + cb * kTileCols * ldx;
    int8_t* block = out + cb * chunks * kTileBytes;
    for (int64_t c = 0; c < chunks; ++c) {
      __m512i r[16];
      for (int64_t col = 0; col < 16; ++col) {
        r[col] = col < cols ? _mm512_loadu_si512(src + col * ldx + c * 64) : _mm512_setzero_si512();
      }
      Transpose16x16(r);
      for (int q = 0; q < 16; ++q) _mm512_storeu_si512(block + c * kTileBytes + q * 64, r[q]);
    }
  }
}

// float(q) for 16 int64 q = 256·hi + lo, rounded as static_cast<float>(int64_t) rounds.
inline __m512 Combine16(__m512i hi, __m512i lo) {
  const __m512i h0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(hi));
  const __m512i h1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(hi, 1));
  const __m512i l0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(lo));
  const __m512i l1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(lo, 1));
  const __m256 f0 = _mm512_cvtepi64_ps(_mm512_add_epi64(_mm512_slli_epi64(h0, 8), l0));
  const __m256 f1 = _mm512_cvtepi64_ps(_mm512_add_epi64(_mm512_slli_epi64(h1, 8), l1));
  return _mm512_insertf32x8(_mm512_castps256_ps512(f0), f1, 1);
}

// Writes, for the column block cb (activation rows cb·16 + col), r[col] = the sums of weight
// rows n0 .. n0 + 15 (the first `valid` of them exist) as I8GemmArgs asks (acc, split16 or y),
// with the same float operations, in the same order, as the VNNI kernels.
void StoreRows(const I8GemmArgs& a, const __m512i* r, int64_t n0, int64_t valid, int64_t cb) {
  if (valid <= 0) return;
  const Matrix& w = *a.w;
  const int64_t i0 = cb * kTileCols;
  const int64_t cols = std::min(kTileCols, a.m - i0);
  const __mmask16 mask = static_cast<__mmask16>(valid >= 16 ? 0xffffu : (1u << valid) - 1);
  if (a.acc != nullptr) {
    for (int64_t col = 0; col < cols; ++col) _mm512_mask_storeu_epi32(a.acc + (i0 + col) * a.ldy + n0, mask, r[col]);
    return;
  }
  const __m512 ws = _mm512_maskz_loadu_ps(mask, w.scales + n0);
  if (a.split16) {
    for (int64_t col = 0; col + 1 < cols; col += 2) {
      const int64_t i = (i0 + col) / 2;
      const __m512 f = _mm512_mul_ps(_mm512_mul_ps(Combine16(r[col], r[col + 1]), _mm512_set1_ps(a.xscale[i])), ws);
      _mm512_mask_storeu_ps(a.y + i * a.ldy + n0, mask, f);
    }
    return;
  }
  const __m512i row_sums = a.zero_point != nullptr ? _mm512_maskz_loadu_epi32(mask, w.row_sums + n0)
                                                    : _mm512_setzero_si512();
  for (int64_t col = 0; col < cols; ++col) {
    __m512i sum = r[col];
    if (a.zero_point != nullptr) {
      sum = _mm512_sub_epi32(sum, _mm512_mullo_epi32(_mm512_set1_epi32(a.zero_point[i0 + col]), row_sums));
    }
    const __m512 f = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(sum), _mm512_set1_ps(a.xscale[i0 + col])), ws);
    _mm512_mask_storeu_ps(a.y + (i0 + col) * a.ldy + n0, mask, f);
  }
}

// A 4-row pass's sums: acc[4j + r][col] for weight row n0 + 4j + r (j < groups).
void StoreTiles(const I8GemmArgs& a, const int32_t (*acc)[kTileCols], int groups, int64_t n0,
                int64_t cb) {
  __m512i r[16];
  for (int k = 0; k < 16; ++k) r[k] = _mm512_load_si512(acc[k]);
  Transpose16x16(r);  // r[col] = the 16 weight rows' sums for activation row i0 + col
  StoreRows(a, r, n0, std::min<int64_t>(4 * groups, a.w->rows - n0), cb);
}

// A 16-group pass's sums: acc[16j + i][col] for weight row n0 + 4i + j. After transposing each
// j's tile, the four vectors of one column are interleaved (row 4i + j = t_j[i]) into the 64
// consecutive rows' four vectors.
void StoreTiles16(const I8GemmArgs& a, const int32_t (*acc)[kTileCols], int64_t n0, int64_t cb) {
  __m512i t[4][16];
  for (int j = 0; j < 4; ++j) {
    for (int k = 0; k < 16; ++k) t[j][k] = _mm512_load_si512(acc[16 * j + k]);
    Transpose16x16(t[j]);  // t[j][col][i] = row n0 + 4i + j
  }
  __m512i r[4][16];  // r[q][col] = rows n0 + 16q .. + 15
  for (int col = 0; col < 16; ++col) {
    // Lane L of w_m holds rows 4(4L + m) + 0..3; r[q] = [w_0 lane q, w_1 lane q, w_2 lane q, w_3 lane q].
    const __m512i u0 = _mm512_unpacklo_epi32(t[0][col], t[1][col]);
    const __m512i u1 = _mm512_unpackhi_epi32(t[0][col], t[1][col]);
    const __m512i v0 = _mm512_unpacklo_epi32(t[2][col], t[3][col]);
    const __m512i v1 = _mm512_unpackhi_epi32(t[2][col], t[3][col]);
    const __m512i w0 = _mm512_unpacklo_epi64(u0, v0), w1 = _mm512_unpackhi_epi64(u0, v0);
    const __m512i w2 = _mm512_unpacklo_epi64(u1, v1), w3 = _mm512_unpackhi_epi64(u1, v1);
    const __m512i x0 = _mm512_shuffle_i32x4(w0, w1, 0x44), x1 = _mm512_shuffle_i32x4(w0, w1, 0xEE);
    const __m512i y0 = _mm512_shuffle_i32x4(w2, w3, 0x44), y1 = _mm512_shuffle_i32x4(w2, w3, 0xEE);
    r[0][col] = _mm512_shuffle_i32x4(x0, y0, 0x88);
    r[1][col] = _mm512_shuffle_i32x4(x0, y0, 0xDD);
    r[2][col] = _mm512_shuffle_i32x4(x1, y1, 0x88);
    r[3][col] = _mm512_shuffle_i32x4(x1, y1, 0xDD);
  }
  for (int q = 0; q < 4; ++q) StoreRows(a, r[q], n0 + 16 * q, std::min<int64_t>(16, a.w->rows - n0 - 16 * q), cb);
}

// One chunk of a pass: the activation chunk into tile XT (6 or 7, alternating, so the next
// chunk's load need not wait for this chunk's products), then G weight chunks × it. (GCC's tile
// intrinsics paste the register number into the assembly text, so XT must be a literal: a macro.)
#define LITERTLM_AMX_CHUNK(G, XT, kPrefetch, p, s, ahead, x)                              \
  do {                                                                                 \
    if constexpr (kPrefetch) { /* each weight row's stream, `ahead` bytes ahead */     \
      for (int j_ = 0; j_ < (G); ++j_) {                                               \
        const char* f_ = reinterpret_cast<const char*>((p) + j_ * (s).group + (ahead)); \
        _mm_prefetch(f_, _MM_HINT_T0);                                                 \
        _mm_prefetch(f_ + (s).row, _MM_HINT_T0);                                       \
        _mm_prefetch(f_ + 2 * (s).row, _MM_HINT_T0);                                   \
        _mm_prefetch(f_ + 3 * (s).row, _MM_HINT_T0);                                   \
      }                                                                                \
    }                                                                                  \
    _tile_loadd(XT, (x), 64);                                                          \
    _tile_loadd(4, (p), (s).row);                                                      \
    _tile_dpbssd(0, 4, XT);                                                            \
    if constexpr ((G) > 1) {                                                           \
      _tile_loadd(5, (p) + (s).group, (s).row);                                        \
      _tile_dpbssd(1, 5, XT);                                                          \
    }                                                                                  \
    if constexpr ((G) > 2) {                                                           \
      _tile_loadd(4, (p) + 2 * (s).group, (s).row);                                    \
      _tile_dpbssd(2, 4, XT);                                                          \
    }                                                                                  \
    if constexpr ((G) > 3) {                                                           \
      _tile_loadd(5, (p) + 3 * (s).group, (s).row);                                    \
      _tile_dpbssd(3, 5, XT);                                                          \
    }                                                                                  \
  } while (false)

// G (1–4) weight groups starting at `wg` (I8Strides s) against one column block.
template <int G, bool kPrefetch>
void PassI8(const uint8_t* wg, const I8Strides& s, const int8_t* xt, int64_t chunks,
            int32_t (*acc)[kTileCols]) {
  _tile_zero(0);
  if constexpr (G > 1) _tile_zero(1);
  if constexpr (G > 2) _tile_zero(2);
  if constexpr (G > 3) _tile_zero(3);
  // kAmxPrefetch in the packed layout's 256-byte steps; as many steps ahead in the row-major one.
  const int64_t ahead = kAmxPrefetch * s.chunk / 256;
  int64_t c = 0;
  for (; c + 2 <= chunks; c += 2) {
    LITERTLM_AMX_CHUNK(G, 6, kPrefetch, wg + c * s.chunk, s, ahead, xt + c * kTileBytes);
    LITERTLM_AMX_CHUNK(G, 7, kPrefetch, wg + (c + 1) * s.chunk, s, ahead, xt + (c + 1) * kTileBytes);
  }
  if (c < chunks) LITERTLM_AMX_CHUNK(G, 6, kPrefetch, wg + c * s.chunk, s, ahead, xt + c * kTileBytes);
  _tile_stored(0, acc[0], 64);
  if constexpr (G > 1) _tile_stored(1, acc[4], 64);
  if constexpr (G > 2) _tile_stored(2, acc[8], 64);
  if constexpr (G > 3) _tile_stored(3, acc[12], 64);
}

// PassI8 for a run-time number of groups (1–4).
template <bool kPrefetch>
void PassGroups(int groups, const uint8_t* wg, const I8Strides& s, const int8_t* xt,
                int64_t chunks, int32_t (*acc)[kTileCols]) {
  switch (groups) {
    case 4: PassI8<4, kPrefetch>(wg, s, xt, chunks, acc); break;
    case 3: PassI8<3, kPrefetch>(wg, s, xt, chunks, acc); break;
    case 2: PassI8<2, kPrefetch>(wg, s, xt, chunks, acc); break;
    default: PassI8<1, kPrefetch>(wg, s, xt, chunks, acc); break;
  }
}

// One column block (batched decode: at most 16 int8 activation rows) against 16 groups starting
// at `wg`, straight from the weights, on 16-row tiles: A tile j holds chunk c of rows 4i + j of
// the 16 groups (i < 16: one row per group, at the group stride), so each product covers 16
// weight rows. acc[16j + i][col] = the sum of row 4i + j (StoreTiles16). With one column block
// each weight tile serves one product, so copying slices (CopyWeightSlice) would not pay.
#define LITERTLM_AMX_CHUNK16(XT, p, s, x)        \
  do {                                           \
    _tile_loadd(XT, (x), 64);                    \
    _tile_loadd(4, (p), (s).group);              \
    _tile_dpbssd(0, 4, XT);                      \
    _tile_loadd(5, (p) + (s).row, (s).group);    \
    _tile_dpbssd(1, 5, XT);                      \
    _tile_loadd(4, (p) + 2 * (s).row, (s).group); \
    _tile_dpbssd(2, 4, XT);                      \
    _tile_loadd(5, (p) + 3 * (s).row, (s).group); \
    _tile_dpbssd(3, 5, XT);                      \
  } while (false)

void Pass16(const uint8_t* wg, const I8Strides& s, const int8_t* xt, int64_t chunks,
            int32_t (*acc)[kTileCols]) {
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  int64_t c = 0;
  for (; c + 2 <= chunks; c += 2) {
    LITERTLM_AMX_CHUNK16(6, wg + c * s.chunk, s, xt + c * kTileBytes);
    LITERTLM_AMX_CHUNK16(7, wg + (c + 1) * s.chunk, s, xt + (c + 1) * kTileBytes);
  }
  if (c < chunks) LITERTLM_AMX_CHUNK16(6, wg + c * s.chunk, s, xt + c * kTileBytes);
  _tile_stored(0, acc[0], 64);
  _tile_stored(1, acc[16], 64);
  _tile_stored(2, acc[32], 64);
  _tile_stored(3, acc[48], 64);
}
#undef LITERTLM_AMX_CHUNK16

// The 16-row weight tiles of a run of 64 rows (16 groups), in two shapes after the layout: for
// kPacked4x64, tile j holds rows 4i + j (one row per group, at the group stride, the rows
// StoreTiles16 interleaves); for kRowMajor, rows 16j + i (consecutive rows at the row stride).
struct WeightTiles {
  int64_t stride;  // bytes between the rows of one tile
  int64_t step;    // bytes from tile j to tile j + 1
  bool consecutive;
};
WeightTiles WeightTilesOf(const Matrix& w, const I8Strides& s) {
  if (w.layout == MatrixLayout::kRowMajor) return {s.row, 16 * s.row, true};
  return {s.group, s.row, false};
}

// Copies chunks [c0, c0 + n) of weight tiles j and j + 1 of the run at `run` into buf (tile t's
// chunk c at buf + (t·n + c − c0)·kTileBytes, 64 bytes a row): the slice then lies in 2·n
// contiguous KiB, which stay in L1 while the column blocks pass over them (the tiles' rows lie
// 1–8 KiB apart in the weights, so 16 of them can fall in one L1 set), and are read from memory
// once, here.
void CopyWeightSlice(const uint8_t* run, const WeightTiles& t, const I8Strides& s, int64_t j, int64_t c0,
                     int64_t n, int8_t* buf) {
  for (int64_t u = 0; u < 2; ++u) {
    for (int64_t c = 0; c < n; ++c) {
      _tile_loadd(4, run + (j + u) * t.step + (c0 + c) * s.chunk, t.stride);
      _tile_stored(4, buf + (u * n + c) * kTileBytes, 64);
    }
  }
}

// Prefetches into L2 the tile chunks [q0, q1) of a slice's 2·n (tile u = q / n, chunk q % n; 16
// lines each) at `src` (the slice's source, CopyWeightSlice's run + j·step + c0·chunk): the next
// slice's weights, a share before each pass over the current one, so that they arrive while the
// tile unit multiplies and the copy finds them in L2.
void PrefetchSlice(const uint8_t* src, const WeightTiles& t, const I8Strides& s, int64_t n, int64_t q0,
                   int64_t q1) {
  for (int64_t q = q0; q < q1; ++q) {
    const uint8_t* p = src + q / n * t.step + q % n * s.chunk;
    for (int r = 0; r < 16; ++r) _mm_prefetch(reinterpret_cast<const char*>(p + r * t.stride), _MM_HINT_T1);
  }
}

// Weight tiles j and j + 1 of a slice (A tiles 4 and 5, laid out by CopyWeightSlice in buf, n
// chunks) against one or (kTwo) two column blocks (B tiles 6 and 7) at x0 / x1 (each at the
// slice's first chunk). C tiles: 0 = (j, x0), 1 = (j + 1, x0), 2 = (j, x1), 3 = (j + 1, x1), each
// taken from / put back to acc0 / acc1 (acc[16j' + i][col] for tile j' row i; acc0 and acc1
// point at row 16j) unless `first` (then from zero). Each A and each B tile serves two products:
// one tile load per product (16-group passes of one column block took 1.25).
template <bool kTwo>
void Pass2x2(const int8_t* buf, int64_t n, const int8_t* x0, const int8_t* x1, int32_t (*acc0)[kTileCols],
             int32_t (*acc1)[kTileCols], bool first) {
  if (first) {
    _tile_zero(0);
    _tile_zero(1);
    if constexpr (kTwo) {
      _tile_zero(2);
      _tile_zero(3);
    }
  } else {
    _tile_loadd(0, acc0[0], 64);
    _tile_loadd(1, acc0[16], 64);
    if constexpr (kTwo) {
      _tile_loadd(2, acc1[0], 64);
      _tile_loadd(3, acc1[16], 64);
    }
  }
  const int8_t* w1 = buf + n * kTileBytes;
  for (int64_t c = 0; c < n; ++c) {
    _tile_loadd(6, x0 + c * kTileBytes, 64);
    _tile_loadd(4, buf + c * kTileBytes, 64);
    _tile_dpbssd(0, 4, 6);
    if constexpr (kTwo) {
      _tile_loadd(7, x1 + c * kTileBytes, 64);
      _tile_dpbssd(2, 4, 7);
    }
    _tile_loadd(5, w1 + c * kTileBytes, 64);
    _tile_dpbssd(1, 5, 6);
    if constexpr (kTwo) _tile_dpbssd(3, 5, 7);
  }
  _tile_stored(0, acc0[0], 64);
  _tile_stored(1, acc0[16], 64);
  if constexpr (kTwo) {
    _tile_stored(2, acc1[0], 64);
    _tile_stored(3, acc1[16], 64);
  }
}

// A run's sums for one column block when its tiles hold consecutive rows: acc[16j + i][col] for
// weight row n0 + 16j + i.
void StoreTilesConsecutive(const I8GemmArgs& a, const int32_t (*acc)[kTileCols], int64_t n0, int64_t cb) {
  for (int j = 0; j < 4; ++j) {
    __m512i r[16];
    for (int k = 0; k < 16; ++k) r[k] = _mm512_load_si512(acc[16 * j + k]);
    Transpose16x16(r);
    StoreRows(a, r, n0 + 16 * j, std::min<int64_t>(16, a.w->rows - n0 - 16 * j), cb);
  }
}

// The chunks of one K slice: two weight tiles' slice (CopyWeightSlice) takes at most this many
// bytes, so that it stays in L1 beside the activation tiles streaming past.
constexpr int64_t kSliceBytes = 24 << 10;

void GemmI8Amx(const I8GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t n_end = std::min(a.n_end, w.rows);
  if (a.n_begin >= n_end || a.m <= 0) return;
  const int8_t* xt = a.xq_tiles;
  thread_local std::vector<int8_t> own;
  if (xt == nullptr) {  // a caller that did not pack: pack here (64-byte aligned)
    own.resize(static_cast<size_t>(I8TilesBytes(a.m, a.ldx) + 64));
    int8_t* aligned = own.data() + (64 - reinterpret_cast<uintptr_t>(own.data()) % 64) % 64;
    PackI8Tiles(a.xq, a.m, a.ldx, aligned);
    xt = aligned;
  }
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const I8Strides s = I8StridesOf(w);
  const int64_t blocks = (a.m + kTileCols - 1) / kTileCols;
  alignas(64) int32_t acc[64][kTileCols] = {};
  // Panels of column blocks of about kPanelBytes stay in L2 while the row range's weights pass
  // over them (the weights are read from memory once per panel).
  const int64_t panel = std::max<int64_t>(1, kPanelBytes / (chunks * kTileBytes));
  const int64_t slices = (chunks * 32 * 64 + kSliceBytes - 1) / kSliceBytes;
  const int64_t slice = (chunks + slices - 1) / slices;
  thread_local std::vector<int32_t> sums_store;
  const size_t sums_count = static_cast<size_t>(std::min(panel, blocks) * 64 * kTileCols + 16);
  if (sums_store.size() < sums_count) sums_store.resize(sums_count);
  // 64-byte aligned (tile stores and StoreTiles16's aligned loads).
  const auto sums_at = reinterpret_cast<uintptr_t>(sums_store.data());
  auto* sums = reinterpret_cast<int32_t(*)[kTileCols]>(sums_store.data() + (64 - sums_at % 64) % 64 / 4);
  alignas(64) int8_t slice_buf[kSliceBytes];
  const WeightTiles tiles = WeightTilesOf(w, s);
  int64_t cb0 = 0;
  // A run's results for column block cb, from `sums`.
  auto store_block = [&](int64_t g, int64_t cb) {
    if (tiles.consecutive) {
      StoreTilesConsecutive(a, sums + (cb - cb0) * 64, g * 4, cb);
    } else {
      StoreTiles16(a, sums + (cb - cb0) * 64, g * 4, cb);
    }
  };
  // Whole runs of 16 groups on 16-row tiles, the rest (and small ranges) on 4-row tiles.
  const int64_t g_begin = a.n_begin / 4, g_end = (n_end + 3) / 4;
  const int64_t g_split = g_begin + (g_end - g_begin) / 16 * 16;
  int configured = 0;
  for (; cb0 < blocks; cb0 += panel) {
    const int64_t cb1 = std::min(blocks, cb0 + panel);
    if (g_split > g_begin && configured != 16) {
      ConfigureTiles(16);
      configured = 16;
    }
    // 64 rows (16 groups) at a time: tiles 0, 1 then 2, 3, slice by slice of K (copied to
    // `slice_buf`), over the panel's column blocks two at a time; the sums wait in `sums` (64
    // rows × 16 columns per column block) until the run is done.
    if (blocks == 1) {  // batched decode: one column block, the weights read once as they lie
      for (int64_t g = g_begin; g < g_split; g += 16) {
        Pass16(base + g * s.group, s, xt, chunks, acc);
        StoreTiles16(a, acc, g * 4, 0);
      }
    }
    for (int64_t g = g_begin; g < (blocks == 1 ? g_begin : g_split); g += 16) {
      const uint8_t* run = base + g * s.group;
      for (int64_t j = 0; j < 4; j += 2) {
        for (int64_t c0 = 0; c0 < chunks; c0 += slice) {
          const int64_t n = std::min(slice, chunks - c0);
          // The next slice's source (and chunk count), to prefetch: the next chunks, else the
          // next tile pair, else the next run.
          const uint8_t* next = nullptr;
          int64_t next_n = n;
          if (c0 + slice < chunks) {
            next = run + j * tiles.step + (c0 + slice) * s.chunk;
            next_n = std::min(slice, chunks - c0 - slice);
          } else if (j == 0) {
            next = run + 2 * tiles.step;
            next_n = std::min(slice, chunks);
          } else if (g + 16 < g_split) {
            next = run + 16 * s.group;
            next_n = std::min(slice, chunks);
          }
          CopyWeightSlice(run, tiles, s, j, c0, n, slice_buf);
          const int64_t pairs = (cb1 - cb0 + 1) / 2, tile_chunks = 2 * next_n;
          for (int64_t cb = cb0; cb < cb1; cb += 2) {
            if (next != nullptr) {
              const int64_t p = (cb - cb0) / 2;
              PrefetchSlice(next, tiles, s, next_n, tile_chunks * p / pairs, tile_chunks * (p + 1) / pairs);
            }
            int32_t(*acc0)[kTileCols] = sums + (cb - cb0) * 64 + 16 * j;
            const int8_t* x0 = xt + cb * chunks * kTileBytes + c0 * kTileBytes;
            if (cb + 1 < cb1) {
              Pass2x2<true>(slice_buf, n, x0, x0 + chunks * kTileBytes, acc0, acc0 + 64, c0 == 0);
            } else {
              Pass2x2<false>(slice_buf, n, x0, nullptr, acc0, nullptr, c0 == 0);
            }
            // After the run's last pass over a pair, the previous pair's results (their tile
            // stores done long ago) go out while the tile unit works on this one.
            if (j == 2 && c0 + slice >= chunks && cb > cb0) {
              store_block(g, cb - 2);
              store_block(g, cb - 1);
            }
          }
        }
      }
      const int64_t last_pair = cb0 + (cb1 - cb0 - 1) / 2 * 2;
      for (int64_t cb = last_pair; cb < cb1; ++cb) store_block(g, cb);
    }
    if (g_split < g_end && configured != 4) {
      ConfigureTiles(4);
      configured = 4;
    }
    for (int64_t g = g_split; g < g_end; g += kMaxGroups) {
      const int groups = static_cast<int>(std::min<int64_t>(kMaxGroups, g_end - g));
      const uint8_t* wg = base + g * s.group;
      for (int64_t cb = cb0; cb < cb1; ++cb) {
        const int8_t* xb = xt + cb * chunks * kTileBytes;
        // Only the first column block of a panel meets the weights cold from memory.
        if (cb == cb0) {
          PassGroups<true>(groups, wg, s, xb, chunks, acc);
        } else {
          PassGroups<false>(groups, wg, s, xb, chunks, acc);
        }
        StoreTiles(a, acc, groups, g * 4, cb);
      }
    }
  }
  _tile_release();
}

}  // namespace

const KernelTable& AmxInt8Kernels() {
  static const KernelTable table = [] {
    KernelTable t = Avx512VnniKernels();
    t.isa = Isa::kAmxInt8;
    t.name = "amx-int8";
    t.gemm_i8_tiles = &GemmI8Amx;
    t.tiles_min_rows = kTilesMinRows;
    t.tiles_row_block = 64;
    t.pack_i8_tiles = &PackI8Tiles;
    t.i8_tiles_bytes = &I8TilesBytes;
    return t;
  }();
  return table;
}

}  // namespace litertlm

LITERTLM_TARGET_POP()
#pragma GCC diagnostic pop
#else
namespace litertlm {
const KernelTable& AmxInt8Kernels() { return Avx512VnniKernels(); }
}  // namespace litertlm
#endif
