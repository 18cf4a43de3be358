// Attention primitives over KV-cache rows (fp32, fp16 or block-quantized int8): the conversions
// (fp32 → fp16 / int8 when a row is stored, back to fp32 when a tile is widened for sgemm or for
// the fp32 products) and the few-query products of
// decode, where a handful of query rows (the heads of one GQA group) meet many key/value rows
// and a general sgemm would spend its time packing. Dispatched once to AVX2/FMA/F16C or a
// portable scalar path (LITERTLM_ISA=scalar forces the latter, as for the matrix kernels).
#ifndef LITERTLM_KERNELS_ATTENTION_OPS_H_
#define LITERTLM_KERNELS_ATTENTION_OPS_H_

#include <cstdint>

namespace litertlm {

struct AttentionOps {
  // dst = fp16(src), round to nearest even
  void (*to_f16)(const float* src, uint16_t* dst, int n);
  // dst = float(src) (exact)
  void (*to_f32)(const uint16_t* src, float* dst, int n);
  // Symmetric int8 per block of `block` values (n % block == 0), as llama.cpp's q8_0 cache:
  // scales[b] = max|x| / 127 over block b, dst = round-to-nearest-even(x / scales[b]) in
  // [-127, 127] (0 for an all-zero block).
  void (*to_q8)(const float* src, int8_t* dst, float* scales, int n, int block);
  // dst[i] = src[i] · scales[i / block] (exact product, rounded once), n % block == 0.
  void (*q8_to_f32)(const int8_t* src, const float* scales, float* dst, int64_t n, int block);
  // out[r·ldo + j] = scale · Σ_c q[r·ldq + c] · k[j·ldk + c] for r < rows, j < n, c < d.
  void (*scores_f32)(const float* q, int64_t ldq, int rows, const float* k, int64_t ldk,
                     int64_t n, int d, float scale, float* out, int64_t ldo);
  void (*scores_f16)(const float* q, int64_t ldq, int rows, const uint16_t* k, int64_t ldk,
                     int64_t n, int d, float scale, float* out, int64_t ldo);
  // out[r·ldout + c] += Σ_j p[r·ldp + j] · v[j·ldv + c] for r < rows, j < n, c < d.
  void (*accumulate_f32)(const float* p, int64_t ldp, int rows, const float* v, int64_t ldv,
                         int64_t n, int d, float* out, int64_t ldout);
  void (*accumulate_f16)(const float* p, int64_t ldp, int rows, const uint16_t* v, int64_t ldv,
                         int64_t n, int d, float* out, int64_t ldout);
  // The same two products over int8 cache rows: n contiguous rows of d values (stride d), each
  // with d / block scales (stride d / block), value k[j·d + c] meaning k · scales[j·(d/block) +
  // c/block]. The rows are widened in registers, never stored as fp32.
  void (*scores_q8)(const float* q, int64_t ldq, int rows, const int8_t* k, const float* k_scales,
                    int64_t n, int d, int block, float scale, float* out, int64_t ldo);
  void (*accumulate_q8)(const float* p, int64_t ldp, int rows, const int8_t* v,
                        const float* v_scales, int64_t n, int d, int block, float* out,
                        int64_t ldout);
};

const AttentionOps& ActiveAttentionOps();
// The one to_q8 of every path (a cache row is stored once per token: not worth a vector path).
void QuantizeQ8Blocks(const float* src, int8_t* dst, float* scales, int n, int block);
// The scalar int8 products, also the vector path's fallback for blocks that are not a multiple
// of its width.
void ScoresQ8Scalar(const float* q, int64_t ldq, int rows, const int8_t* k, const float* k_scales,
                    int64_t n, int d, int block, float scale, float* out, int64_t ldo);
void AccumulateQ8Scalar(const float* p, int64_t ldp, int rows, const int8_t* v,
                        const float* v_scales, int64_t n, int d, int block, float* out,
                        int64_t ldout);
const AttentionOps& ScalarAttentionOps();
// nullptr when the CPU lacks AVX2/FMA/F16C.
const AttentionOps* Avx2AttentionOps();

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_ATTENTION_OPS_H_
