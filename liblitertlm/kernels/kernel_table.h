// Internal: the per-ISA kernel entry points behind Linear, chosen once at first use.
//
// All kernels read kPacked4x64 matrices (kernels/pack.h), except gemm_i4r16 (kInt4Rows16). Row ranges [n_begin, n_end) start at a
// multiple of 4; outputs are written only for n < rows. Activations are padded with zeros to the
// packed row length (PackedChunks · ElementsPerChunk). Every ISA level computes the same
// integer accumulators exactly; float results may differ in summation order only.
//
// Thread-safety: kernels are pure functions of their arguments; different row ranges may run
// concurrently.
#ifndef LITERTLM_KERNELS_KERNEL_TABLE_H_
#define LITERTLM_KERNELS_KERNEL_TABLE_H_

#include <cstdint>
#include <vector>

#include "kernels/matrix.h"
#include "kernels/prefill_attention.h"

namespace litertlm {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512Vnni = 2, kAmxInt8 = 3 };

// Dynamic int8: y[i, n] (or the exact int32 acc[i, n]) for activation rows i < m.
struct I8GemmArgs {
  const Matrix* w = nullptr;      // kI8, kPacked4x64
  const int8_t* xq = nullptr;     // m rows of ldx int8 (ldx = PackedChunks · 64), zero padded
  const float* xscale = nullptr;  // m activation scales
  int64_t m = 1;
  int64_t ldx = 0;
  int64_t n_begin = 0;
  int64_t n_end = 0;
  int32_t* acc = nullptr;  // when set: acc[i·ldy + n] = Σ_k q_w[n,k]·q_x[i,k]; y is not written
  float* y = nullptr;      // otherwise: y[i·ldy + n] = that sum · xscale[i] · wscale[n]
  // Optional, with y (not acc, not split16): activation zero points (XNNPACK's qd8 rows), then
  // y[i·ldy + n] = float(sum − zero_point[i] · row_sums[n]) · xscale[i] · wscale[n].
  const int32_t* zero_point = nullptr;
  int64_t ldy = 0;
  // gemm_i8 of tables with gemm_i8_split16 only (then m is even and acc unset): rows 2j and
  // 2j + 1 are activation row j's 16-bit halves (kernels/quantize.h) and
  // y[j·ldy + n] = float(256·Σ_k q_w·hi + Σ_k q_w·lo) (exact, int64) · xscale[j] · wscale[n].
  bool split16 = false;
  // Optional, for gemm_i8_tiles: xq already laid out by pack_i8_tiles (one layout per Linear
  // call instead of one per row range). Kernels that need it pack xq themselves when unset.
  const int8_t* xq_tiles = nullptr;
};

// fp32-activation GEMV (kF16 weights, or kI8 weight-only): y[n] = Σ_k W[n,k]·x[k].
struct FloatGemvArgs {
  const Matrix* w = nullptr;
  const float* x = nullptr;  // padded to PackedChunks · ElementsPerChunk floats
  int64_t n_begin = 0;
  int64_t n_end = 0;
  float* y = nullptr;
};

// int4 block GEMV: y[n] = xscale · Σ_blocks wscale[n,b] · Σ_{k in b} q_w[n,k]·q_x[k].
struct I4GemvArgs {
  const Matrix* w = nullptr;  // kI4Block32 / kI4Block128, kPacked4x64
  const int8_t* xq = nullptr;
  float xscale = 0.0f;
  int64_t n_begin = 0;
  int64_t n_end = 0;
  float* y = nullptr;
};

// int4 block GEMM, activation rows i < m: y[i·ldy + n] = xscale[i] · (the GEMV sum of row i);
// bit-identical to one gemv_i4 per row.
//
// gemm_i4r16 (w in kInt4Rows16, kernels/pack.h; m = 1 is the decode GEMV): with the exact
// integer block sums
//     acc[i, n, b] = Σ_{k in b} nib[n,k]·xq[i,k] + xcorr[i·ldcorr + b] − zp[i]·Σ_{k in b} nib[n,k]
// (nib = q_w + 8; the zero-point term only when zero_point is set), every level computes
//     f = 0; for b in order: f = fma(float(acc[i, n, b]), wscale[n, b], f);  y = f · xscale[i]
// so all levels are bit-identical. Symmetric activations: xcorr = −8·Σ_{k in b} xq[i,k], giving
// Σ q_w·xq. Asymmetric (Matrix::asymmetric_activations, xq = the qd8 values): xcorr =
// −8·Σ_{k in b} xq[i,k] + 8·zp[i]·B, giving Σ q_w·(xq − zp).
//
// gemm_i4r16_xnnpack (w in kInt4Rows16 with Matrix::qb4w_scales / qb4w_init: XNNPACK's qd8 ×
// qb4w AVX2 kernels, qd8-f32-qb4w-gemm-*x8c8-minmax-avx2): per output, four lanes, lane j
// summing the inputs k with (k mod 8) / 2 = j, each with exact integer block sums of the raw
// activations (zero point not subtracted)
//     acc[i, n, b, j] = Σ_{k in b, (k mod 8)/2 = j} nib[n,k]·xq[i,k] + xcorr[i·ldcorr + 4b + j]
// (xcorr = −8·Σ of those xq[i,k], giving Σ q_w·xq), and
//     l_0 = qb4w_init[n]·zp[i], l_1 = l_2 = l_3 = 0·zp[i]  (fp32 products);
//     for b in order, j < 4: l_j = fma(float(acc[i, n, b, j]), qb4w_scales[n, b], l_j);
//     y = fma((l_0 + l_1) + (l_2 + l_3), xscale[i], 0)
// (XNNPACK's weights are nibbles·16 and its scales bf16/16, the same products). zero_point
// required. All levels are bit-identical.
struct I4GemmArgs {
  const Matrix* w = nullptr;      // kI4Block32 / kI4Block128, kPacked4x64 (gemm_i4r16: kInt4Rows16)
  const int8_t* xq = nullptr;     // m rows of ldx int8, zero padded
  const float* xscale = nullptr;  // m activation scales
  int64_t m = 1;
  int64_t ldx = 0;
  int64_t n_begin = 0;  // gemm_i4r16: multiples of 16
  int64_t n_end = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  const int32_t* xcorr = nullptr;  // gemm_i4r16*: m rows of ldcorr (≥ K/B, _xnnpack ≥ 4·K/B) block corrections
  int64_t ldcorr = 0;
  const int32_t* zero_point = nullptr;  // gemm_i4r16 only, optional: m activation zero points
};

// 16-bit activations in one pass, for levels without VNNI (AVX2: vpmaddwd, 16 multiply-adds per
// instruction against 8 per fp32 FMA; the hi/lo int8 route takes two sign-trick passes):
//     y[i·ldy + n] = Int16Output(Σ_k q_w[n,k]·q[i,k], xscale[i], wscale[n])
// with q = 256·hi + lo of QuantizeActivationRow16 (kernels/quantize.h): the same exact integer and
// the same float epilogue as the split16 route, so results are bit-identical to it.
// xt holds the m activation rows in tiles of kWide16TileRows = 16 (rows padded with zeros to a
// multiple of 16): with P = ldk / 2 pairs per row, tile t, pair p, row r (< 16), element e (< 2) is
//     xt[(t·P + p)·32 + 2·r + e] = q[16t + r, 2p + e].
// wide_tiles[t] is 1 when tile t's int32 sums could overflow (127·Σ_k |q[i,k]| ≥ 2^31 for one of
// its rows): the kernel then carries its sums in int64 across blocks of 512 k.
inline constexpr int64_t kWide16TileRows = 16;
struct I8Wide16Args {
  const Matrix* w = nullptr;  // kI8 the int8 kernels read (I8KernelsRead)
  const int16_t* xt = nullptr;
  const uint8_t* wide_tiles = nullptr;
  int64_t ldk = 0;  // K padded to the weights' chunks: PackedChunks(kI8, K) · 64
  const float* xscale = nullptr;  // m activation scales
  int64_t m = 0;
  int64_t n_begin = 0;  // multiples of 4
  int64_t n_end = 0;
  float* y = nullptr;
  int64_t ldy = 0;
};

struct KernelTable {
  Isa isa;
  const char* name;
  void (*gemv_i8)(const I8GemmArgs&);  // m ≤ 2 (one activation row, or its two 16-bit halves)
  void (*gemm_i8)(const I8GemmArgs&);  // any m
  void (*gemv_i8_weight_only)(const FloatGemvArgs&);
  void (*gemv_f16)(const FloatGemvArgs&);
  void (*gemv_i4)(const I4GemvArgs&);
  // nullptr where no multi-row kernel exists: callers run gemv_i4 once per row.
  void (*gemm_i4)(const I4GemmArgs&);
  // kInt4Rows16 int4 GEMV / GEMM, any m (see I4GemmArgs).
  void (*gemm_i4r16)(const I4GemmArgs&);
  // kInt4Rows16 as XNNPACK's qd8 × qb4w (Matrix::qb4w_scales), any m (see I4GemmArgs).
  void (*gemm_i4r16_xnnpack)(const I4GemmArgs&);
  // QuantizeActivationRow (kernels/quantize.h), bit-identical at every level.
  float (*quantize_row)(const float* x, int64_t cols, int64_t padded_cols, int8_t* q);
  // QuantizeActivationRow16 (kernels/quantize.h), bit-identical at every level.
  float (*quantize_row16)(const float* x, int64_t cols, int64_t padded_cols, int8_t* hi, int8_t* lo);
  // True when gemm_i8 honours I8GemmArgs::split16 (else callers take the int32 sums and combine).
  bool gemm_i8_split16;
  // Optional (AMX): gemm_i8 on the tile unit, which Linear takes for m ≥ tiles_min_rows int8
  // rows; honours split16. It reads its activations as pack_i8_tiles(xq, m, ldx, out) lays them
  // out (i8_tiles_bytes(m, ldx) bytes, I8GemmArgs::xq_tiles), and lays them out itself when
  // unset. The layout is made of blocks of 16 rows, each laid out on its own, so the rows may be
  // laid out in pieces of whole blocks (Linear does so across its pool).
  void (*gemm_i8_tiles)(const I8GemmArgs&);
  int64_t tiles_min_rows;
  int64_t tiles_row_block;  // callers split the weight rows in multiples of this for it
  void (*pack_i8_tiles)(const int8_t* xq, int64_t m, int64_t ldx, int8_t* out);
  int64_t (*i8_tiles_bytes)(int64_t m, int64_t ldx);
  // The fused prefill attention (kernels/prefill_attention.h) at this level.
  void (*prefill_attention)(const PrefillAttentionArgs&);
  // Optional (levels without VNNI): 16-bit activations × int8 weights in one pass (I8Wide16Args),
  // which Linear takes for m > 1 over the hi/lo int8 rows and over dequantize → sgemm.
  void (*gemm_i8_wide16)(const I8Wide16Args&);
  // With gemm_i8_wide16: quantizes rows ≤ kWide16TileRows activation rows of x (cols each, row-major) as
  // QuantizeActivationRow16 does (the same q = 256·hi + lo and scales, bit for bit), writes the
  // scales to xscale[0..rows) and lays the rows out as one tile of I8Wide16Args::xt (ldk/2 pairs;
  // rows ≥ `rows` and k ≥ cols are zeros). Returns the tile's I8Wide16Args::wide_tiles flag.
  uint8_t (*wide16_tile)(const float* x, int64_t rows, int64_t cols, int64_t ldk, int16_t* tile, float* xscale);
};

const KernelTable& ScalarKernels();
const KernelTable& Avx2Kernels();
const KernelTable& Avx512VnniKernels();
// The AVX-512 VNNI table plus gemm_i8_tiles on AMX-INT8 (kernels/kernels_amx.cc).
const KernelTable& AmxInt8Kernels();

// True when this CPU (and OS) can run `isa`.
bool CpuSupports(Isa isa);
// The best supported table, chosen once. LITERTLM_ISA=scalar|avx2|avx512|amx in the environment
// caps the choice (for testing and benchmarking; avx512 = VNNI without AMX).
const KernelTable& ActiveKernels();
// The table for `isa` (which must be supported).
const KernelTable& KernelsFor(Isa isa);
// Every level this CPU (and OS) runs, scalar first: what tests and benchmarks compare.
std::vector<const KernelTable*> SupportedKernels();

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_KERNEL_TABLE_H_
