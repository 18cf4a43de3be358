#include "kernels/attention_ops.h"

#include "kernels/kernel_table.h"
#include "util/half.h"

namespace litertlm {
namespace {

void ToF16(const float* src, uint16_t* dst, int n) {
  for (int i = 0; i < n; ++i) dst[i] = F32ToF16(src[i]);
}
void ToF32(const uint16_t* src, float* dst, int n) {
  for (int i = 0; i < n; ++i) dst[i] = F16ToF32(src[i]);
}

inline float Widen(float x) { return x; }
inline float Widen(uint16_t x) { return F16ToF32(x); }

template <typename T>
void Scores(const float* q, int64_t ldq, int rows, const T* k, int64_t ldk, int64_t n, int d,
            float scale, float* out, int64_t ldo) {
  for (int r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      float s = 0.0f;
      for (int c = 0; c < d; ++c) s += q[r * ldq + c] * Widen(k[j * ldk + c]);
      out[r * ldo + j] = scale * s;
    }
  }
}

template <typename T>
void Accumulate(const float* p, int64_t ldp, int rows, const T* v, int64_t ldv, int64_t n, int d,
                float* out, int64_t ldout) {
  for (int64_t j = 0; j < n; ++j) {
    for (int r = 0; r < rows; ++r) {
      const float pj = p[r * ldp + j];
      for (int c = 0; c < d; ++c) out[r * ldout + c] += pj * Widen(v[j * ldv + c]);
    }
  }
}

}  // namespace

const AttentionOps& ScalarAttentionOps() {
  static const AttentionOps ops = {&ToF16,           &ToF32,
                                   &Scores<float>,   &Scores<uint16_t>,
                                   &Accumulate<float>, &Accumulate<uint16_t>};
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
