// Vector primitives of attention over the KV cache (dot products and scaled adds against fp32
// or fp16 rows), dispatched once to AVX2/F16C or a portable scalar path (LITERTLM_ISA=scalar
// forces the latter, as for the matrix kernels).
#ifndef LITERTLM_KERNELS_ATTENTION_OPS_H_
#define LITERTLM_KERNELS_ATTENTION_OPS_H_

#include <cstdint>

namespace litertlm {

struct AttentionOps {
  float (*dot_f32)(const float* q, const float* k, int n);
  float (*dot_f16)(const float* q, const uint16_t* k, int n);
  // y += a · x
  void (*axpy_f32)(float a, const float* x, float* y, int n);
  void (*axpy_f16)(float a, const uint16_t* x, float* y, int n);
  // dst = fp16(src), round to nearest even
  void (*to_f16)(const float* src, uint16_t* dst, int n);
};

const AttentionOps& ActiveAttentionOps();
const AttentionOps& ScalarAttentionOps();
// nullptr when the CPU lacks AVX2/FMA/F16C.
const AttentionOps* Avx2AttentionOps();

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_ATTENTION_OPS_H_
