// A weight matrix as the kernels see it: W has `rows` output channels (N) and `cols` inputs (K).
// Non-owning; the Model keeps the bytes alive (mmap, a QuantizedMatrix or a PackedMatrix).
//
// Two byte layouts (see kernels/quantize.h for the exact per-row encodings):
//  - kRowMajor: the stored (.litertlm file) layout. Row n occupies RowBytes(dtype, K) contiguous
//    bytes; scales are row-major (kI8: N floats; kI4Block*: N × K/B floats). The int8 kernels
//    read a kI8 one where it lies when K % 64 == 0, N % 4 == 0 and row_sums are set
//    (RowMajorI8InPlace, kernels/pack.h): a TFLite file's int8 weights need no packed copy.
//  - kPacked4x64: the load-time layout the fast kernels read as one sequential stream (see
//    kernels/pack.h). Rows are grouped by 4 (N padded to a multiple of 4 with zero rows); each
//    row's byte stream is cut into 64-byte chunks (padded with zero bytes); group g stores
//    chunk 0 of its 4 rows, then chunk 1 of its 4 rows, ... (4 × 64 = 256 bytes per step).
//  - kInt4Rows16 (kI4Block* only): the load-time int4 layout, 16 rows interleaved across the
//    vector lanes (see kernels/pack.h); made by PackInt4Rows16, never stored in a file.
//
// Compute mode: for kI8, `dynamic_activations` selects dynamic_int8 (true: activations are
// quantized to int8 per row on the fly, int32 accumulation) or weight-only int8 (false: weights
// are widened to fp32, fp32 activations). kI4Block* always quantizes activations dynamically;
// kF16/kBF16/kF32 always compute in fp32.
#ifndef LITERTLM_KERNELS_MATRIX_H_
#define LITERTLM_KERNELS_MATRIX_H_

#include <cstdint>

#include "tensor/dtype.h"

namespace litertlm {

using MatrixLayout = TensorLayout;

struct Matrix {
  DType dtype = DType::kF32;
  int64_t rows = 0;  // N: output features
  int64_t cols = 0;  // K: input features
  const void* data = nullptr;
  // kI8: one per row. kI4Block*: rows × (cols / block), row-major for kRowMajor, packed order
  // for kPacked4x64 (see kernels/pack.h). Unused for float types.
  const float* scales = nullptr;
  MatrixLayout layout = MatrixLayout::kRowMajor;
  // kI8 (kPacked4x64, or kRowMajor in place): sum of each (padded) row's int8 weights, for the
  // u8/s8 offset trick.
  const int32_t* row_sums = nullptr;
  // kI8 only: true = dynamic_int8, false = weight-only int8 (see above).
  bool dynamic_activations = true;
  // kI8 only: activations are rounded the way XNNPACK's dynamic-range FULLY_CONNECTED (qd8, what
  // Google's LiteRT runtime runs TFLite int8 models with) quantizes them: per row, asymmetric
  // int8 with a zero point (AsymmetricQuantizeActivationRow, kernels/quantize.h). Packed matrices
  // multiply in integers like XNNPACK (Σ w·q − zp·row_sum, then both scales); row-major ones
  // multiply the rounded values x̃ = (q − zp)·s in fp32 (equal up to summation order). Overrides
  // dynamic_activations. kI4Block* too (XNNPACK's qd8 × qb4w, Google's int4 TFLite files): in
  // kInt4Rows16, integer block sums Σ q_w·(q − zp) times both scales (I4GemmArgs); in the other
  // layouts the rounded values x̃ times the dequantized weights, in fp32.
  bool asymmetric_activations = false;
  // kI8 dynamic only: 16-bit activations allowed (the default, KernelContext::Int8Activations);
  // false keeps 8-bit ones (the int8 tensors of int4 files: embedding, fallbacks).
  bool activations16 = true;
  // kF32, kF16, kBF16 only: each output is XNNPACK's f32-gemm sum (the avx512f broadcast kernels
  // Google's runtime runs fp32 FULLY_CONNECTED with, fp16 weights widened by DEQUANTIZE first):
  // one FMA chain from 0 over k in k order (xnnpack_float::DotRows), instead of OpenBLAS's order.
  bool xnnpack_fma_order = false;
  // kI4Block* in kInt4Rows16 only, set by PrepareXnnpackQb4w (kernels/pack.h; the loader does
  // for blockwise TFLite files in google mode, WeightLoadOptions::int4_xnnpack_qb4w): Linear computes
  // XNNPACK's qd8 × qb4w FULLY_CONNECTED bit for bit (KernelTable::gemm_i4r16_xnnpack, the
  // arithmetic of its AVX2 kernels, which Google's runtime runs int4 TFLite files with on
  // AVX2/FMA3 CPUs without AVX-512 VNNI). qb4w_scales: `scales` rounded to bfloat16 (to nearest,
  // ties to even, as XNNPACK stores them), in the same order; qb4w_init: one float per row, its
  // packed-weight term −Σ_c float(Σ_{k in c} q_w[n, k])·qb4w_scale over the 16-input chunks c in
  // k order, accumulated in fp32. `scales` keep the file's values (the embedding lookup of a
  // tied int4 table reads them, as TFLite's EMBEDDING_LOOKUP does).
  const float* qb4w_scales = nullptr;
  const float* qb4w_init = nullptr;
};

// Bytes of one stored row of `cols` elements (int4: two per byte). 0 for non-matrix dtypes.
int64_t MatrixRowBytes(DType dtype, int64_t cols);
// Elements per scale block along K: 32 / 128 for kI4Block*, cols for kI8 (1 = none otherwise).
int64_t ScaleBlock(DType dtype, int64_t cols);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_MATRIX_H_
