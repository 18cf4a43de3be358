#include "kernels/elementwise.h"

#include <cmath>

namespace litertlm {

void RmsNorm(const float* x, const float* w, int64_t n, float eps, bool plus_one, float* out) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * x[i];
  const float inv = 1.0f / std::sqrt(sum / static_cast<float>(n) + eps);
  if (plus_one) {
    for (int64_t i = 0; i < n; ++i) out[i] = (x[i] * inv) * (1.0f + w[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = w[i] * (x[i] * inv);
  }
}

void ApplyRope(float* x, int64_t d, int64_t pos, const float* inv_freq) {
  const int64_t half = d / 2;
  const float p = static_cast<float>(pos);
  for (int64_t i = 0; i < half; ++i) {
    const float angle = p * inv_freq[i];
    const float c = std::cos(angle), s = std::sin(angle);
    const float a = x[i], b = x[i + half];
    x[i] = a * c - b * s;
    x[i + half] = b * c + a * s;
  }
}

void SiluMul(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i])) * y[i];
}

void GeluTanhMul(float* x, const float* y, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v))) * y[i];
  }
}

void GeluExactMul(float* x, const float* y, int64_t n) {
  constexpr float kInvSqrt2 = 0.7071067811865476f;
  for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2)) * y[i];
}

void SoftCap(float* x, int64_t n, float cap) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i] / cap) * cap;
}

void AddInPlace(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace litertlm
