// Weight quantizers: fp32 rows → the stored (.litertlm) layouts of kernels/matrix.h.
//
// Exact stored byte layouts (row-major, kRowMajor), N = rows, K = cols:
//  - kI8: N rows of K int8 bytes, q = clamp(round_half_even(w / s), -127, 127) with
//    s = max|w[n, :]| / 127 (s = 0 for an all-zero row); scales = N fp32. w ≈ q · s.
//  - kI4Block32 / kI4Block128 (block B = 32 / 128 along K; requires K % 128 == 0, else
//    InvalidArgument): each row is K/2 bytes made of K/128 groups of 64 bytes. In group g, byte i
//    (0 ≤ i < 64) holds element g·128 + i in its low nibble and element g·128 + 64 + i in its high
//    nibble. A nibble stores q + 8 (0..15) with q = clamp(round_half_even(w / s), -7, 7) and
//    s = max|w| / 7 over the element's block of B (s = 0 for an all-zero block).
//    scales = N × (K/B) fp32, row-major (block b of row n at n·K/B + b). w ≈ (nibble − 8) · s.
//  - kF16: N rows of K IEEE half (round to nearest even); kBF16 likewise; kF32: a copy.
// Rejected with InvalidArgument: non-finite weights, rows/cols ≤ 0, unsupported target dtype.
//
// Thread-safety: pure functions.
#ifndef LITERTLM_KERNELS_QUANTIZE_H_
#define LITERTLM_KERNELS_QUANTIZE_H_

#include <cstdint>
#include <vector>

#include "kernels/matrix.h"
#include "litertlm/status.h"

namespace litertlm {

// Owns a quantized (or converted) matrix in the stored layout.
struct QuantizedMatrix {
  DType dtype = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t> data;  // rows × MatrixRowBytes(dtype, cols)
  std::vector<float> scales;  // see the layouts above; empty for float types

  // A non-owning kRowMajor view; valid while this object lives and is not modified.
  // `dynamic_activations` only matters for kI8 (see kernels/matrix.h).
  Matrix view(bool dynamic_activations = true) const;
};

// Quantizes W[rows × cols] (fp32, row-major) into `target`
// (kI8, kI4Block32, kI4Block128, kF16, kBF16 or kF32).
StatusOr<QuantizedMatrix> QuantizeMatrix(const float* w, int64_t rows, int64_t cols, DType target);

// Quantizes one activation row for the dynamic integer kernels: q[k] = round(x[k] / s) with
// s = max|x| / 127 (q in [-127, 127]); q[k] = 0 for cols ≤ k < padded_cols. Returns s (0 for an
// all-zero row).
float QuantizeActivationRow(const float* x, int64_t cols, int64_t padded_cols, int8_t* q);

// XNNPACK's dynamic per-row asymmetric int8 quantization of one activation row (its f32 → qd8
// conversion), in its float steps: rmin = min(0, min x), rmax = max(0, max x), multiplier
// m = 255 / (rmax − rmin) (1 when both are 0), s = 1/m; the zero point zp ∈ [−128, 127] is the
// rounded one with the smaller error at the range's ends (rmin·m, rmax·m);
// q = clamp(round_half_even(x · (1/s)) + zp, −128, 127). Writes x̃[k] = (q[k] − zp) · s.
void AsymmetricRoundActivationRow(const float* x, int64_t cols, float* out);
// The same quantization, as integers: q[k] for k < cols (0 for cols ≤ k < padded_cols), the zero
// point in *zero_point; returns s. AsymmetricRoundActivationRow's x̃[k] = (q[k] − zp)·s.
float AsymmetricQuantizeActivationRow(const float* x, int64_t cols, int64_t padded_cols, int8_t* q,
                                      int32_t* zero_point);
// 16-bit activations for int8 weights (the default dynamic_int8 compute, see kernels/linear.h),
// as two int8 rows the int8 kernels multiply unchanged: q[k] = round(x[k] / s) with
// s = max|x| / kActivation16Max (|q| ≤ 32512), split exactly as q = 256·hi[k] + lo[k] with
// hi = floor((q + 128) / 256) in [-127, 127] and lo in [-128, 127]. hi = lo = 0 for
// cols ≤ k < padded_cols. Returns s (0 for an all-zero row).
inline constexpr float kActivation16Max = 32512.0f;
float QuantizeActivationRow16(const float* x, int64_t cols, int64_t padded_cols, int8_t* hi,
                              int8_t* lo);
// One output of a 16-bit activation row from its exact integer sum Σ q_w·q (q = 256·hi + lo):
// float(sum) · xscale · wscale. Every 16-bit route's epilogue is this expression (the AVX2 wide16
// kernel's vector form multiplies in the same order), so the routes agree bit for bit.
inline float Int16Output(int64_t sum, float xscale, float wscale) {
  return static_cast<float>(sum) * xscale * wscale;
}
// The same from the int8 kernels' exact sums over the halves, combined in int64 (no overflow at
// any K). The scalar epilogues (LinearI8Dynamic16's, the AVX2 and AVX-512 split16 stores) use it.
inline float Split16Output(int64_t hi, int64_t lo, float xscale, float wscale) {
  return Int16Output(hi * 256 + lo, xscale, wscale);
}

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_QUANTIZE_H_
