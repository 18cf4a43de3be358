// exp(x) without libm, shared by the softmax of kernels/elementwise.cc and the scalar prefill
// attention (kernels/prefill_attention.cc); the vector attention paths compute the same formula
// with intrinsics.
#ifndef LITERTLM_KERNELS_FAST_EXP_H_
#define LITERTLM_KERNELS_FAST_EXP_H_

#include <bit>
#include <cstdint>

namespace litertlm {

// Written so that loops over it auto-vectorize (no calls, no branches): x clamped to [-87, 89]
// (no denormals; x >= 88.73 gives +inf as exp does), n = round(x / ln 2) by the 1.5·2^23 shift,
// r = x − n·ln 2 in two parts (|r| ≤ ln2 / 2), e^r by its degree-6 Taylor polynomial (truncation
// error < 1.3e-7 relative), times 2^n built in the exponent bits.
inline float ExpNoLibm(float x) {
  x = x < -87.0f ? -87.0f : x;  // ternaries, not fmin/fmax: those are libm calls without -ffast-math
  x = x > 89.0f ? 89.0f : x;
  constexpr float kShift = 12582912.0f;  // 1.5 · 2^23
  const float n = (x * 1.44269504088896341f + kShift) - kShift;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(bits);
}

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_FAST_EXP_H_
