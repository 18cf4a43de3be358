#include "kernels/attention_ops.h"

#include <algorithm>
#include <cmath>

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

}  // namespace

void QuantizeQ8Blocks(const float* src, int8_t* dst, float* scales, int n, int block) {
  for (int b = 0; b * block < n; ++b) {
    const float* x = src + b * block;
    float amax = 0.0f;
    for (int i = 0; i < block; ++i) amax = std::max(amax, std::abs(x[i]));
    const float scale = amax / 127.0f;
    const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
    for (int i = 0; i < block; ++i) {
      const float q = std::nearbyint(x[i] * inv);  // default rounding: to nearest even
      dst[b * block + i] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
    scales[b] = scale;
  }
}

namespace {

void Q8ToF32(const int8_t* src, const float* scales, float* dst, int64_t n, int block) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) * scales[i / block];
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

void ScoresQ8Scalar(const float* q, int64_t ldq, int rows, const int8_t* k, const float* k_scales,
                    int64_t n, int d, int block, float scale, float* out, int64_t ldo) {
  const int per_row = d / block;
  for (int r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      float s = 0.0f;
      for (int c = 0; c < d; ++c) {
        const float key = static_cast<float>(k[j * d + c]) * k_scales[j * per_row + c / block];
        s += q[r * ldq + c] * key;
      }
      out[r * ldo + j] = scale * s;
    }
  }
}

void AccumulateQ8Scalar(const float* p, int64_t ldp, int rows, const int8_t* v,
                        const float* v_scales, int64_t n, int d, int block, float* out,
                        int64_t ldout) {
  const int per_row = d / block;
  for (int64_t j = 0; j < n; ++j) {
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < d; ++c) {
        out[r * ldout + c] +=
            p[r * ldp + j] * v_scales[j * per_row + c / block] * static_cast<float>(v[j * d + c]);
      }
    }
  }
}

const AttentionOps& ScalarAttentionOps() {
  static const AttentionOps ops = {&ToF16,           &ToF32,
                                   &QuantizeQ8Blocks, &Q8ToF32,
                                   &Scores<float>,   &Scores<uint16_t>,
                                   &Accumulate<float>, &Accumulate<uint16_t>,
                                   &ScoresQ8Scalar,  &AccumulateQ8Scalar};
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
