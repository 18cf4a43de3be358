// Element-wise and row-wise kernels used by the transformer: RMSNorm, rotary embedding,
// activations, soft-capping. fp32 throughout.
#ifndef LITERTLM_KERNELS_ELEMENTWISE_H_
#define LITERTLM_KERNELS_ELEMENTWISE_H_

#include <cstdint>

namespace litertlm {

// out[i] = x[i] / sqrt(mean(x²) + eps) * (plus_one ? 1 + w[i] : w[i]); out may alias x.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, bool plus_one, float* out);

// Rotary embedding, "rotate half" convention (pairs i and i + d/2), applied in place to one
// head vector `x` of length d at position `pos`. inv_freq holds d/2 values.
void ApplyRope(float* x, int64_t d, int64_t pos, const float* inv_freq);

// The same in two steps, for several heads at one position: RopeAngles fills cos[i] and sin[i]
// (i < d/2) of the angle pos · inv_freq[i]; ApplyRopeAngles rotates one head vector with them,
// bit-identical to ApplyRope.
void RopeAngles(int64_t d, int64_t pos, const float* inv_freq, float* cos, float* sin);
void ApplyRopeAngles(float* x, int64_t d, const float* cos, const float* sin);

// x = silu(x) * y and x = gelu(x) * y (the gated MLP), n values.
// x[0..n) = softmax(x[0..n)) (max-subtracted, vectorized exp, ~2 ulp); n ≥ 1.
void SoftmaxInPlace(float* x, int64_t n);
void SiluMul(float* x, const float* y, int64_t n);
void GeluTanhMul(float* x, const float* y, int64_t n);
void GeluExactMul(float* x, const float* y, int64_t n);

// x = tanh(x / cap) * cap, n values.
void SoftCap(float* x, int64_t n, float cap);

// x += y, n values.
void AddInPlace(float* x, const float* y, int64_t n);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_ELEMENTWISE_H_
