// Attention primitives over KV-cache rows (fp32 or fp16): the conversions (fp32 → fp16 when a
// row is stored, fp16 → fp32 when a tile is widened for sgemm) and the few-query products of
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
};

const AttentionOps& ActiveAttentionOps();
const AttentionOps& ScalarAttentionOps();
// nullptr when the CPU lacks AVX2/FMA/F16C.
const AttentionOps* Avx2AttentionOps();

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_ATTENTION_OPS_H_
