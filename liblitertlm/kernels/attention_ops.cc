#include "kernels/attention_ops.h"

#include "kernels/kernel_table.h"
#include "util/half.h"

namespace litertlm {
namespace {

float DotF32(const float* q, const float* k, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += q[i] * k[i];
  return s;
}
float DotF16(const float* q, const uint16_t* k, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += q[i] * F16ToF32(k[i]);
  return s;
}
void AxpyF32(float a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}
void AxpyF16(float a, const uint16_t* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * F16ToF32(x[i]);
}
void ToF16(const float* src, uint16_t* dst, int n) {
  for (int i = 0; i < n; ++i) dst[i] = F32ToF16(src[i]);
}

}  // namespace

const AttentionOps& ScalarAttentionOps() {
  static const AttentionOps ops = {&DotF32, &DotF16, &AxpyF32, &AxpyF16, &ToF16};
  return ops;
}

const AttentionOps& ActiveAttentionOps() {
  static const AttentionOps& ops = [&]() -> const AttentionOps& {
    const AttentionOps* avx2 = Avx2AttentionOps();
    if (avx2 != nullptr && ActiveKernels().isa != Isa::kScalar) return *avx2;
    return ScalarAttentionOps();
  }();
  return ops;
}

}  // namespace litertlm
