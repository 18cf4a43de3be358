// Compiled with -ffp-contract=off (kernels/module.cmake): every FMA below is an explicit
// std::fma, every other product and sum is rounded on its own, as in the XNNPACK kernels.
#include "kernels/xnnpack_float.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// The clones are file-local functions behind the declared ones: Clang 14 builds no clones of a
// function declared earlier without the attribute (it silently compiles the first target only,
// AVX-512, which then stops with SIGILL on CPUs without it), while an internal function gets
// its clones and ifunc resolver from both compilers.
#define LITERTLM_XNN_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define LITERTLM_XNN_CLONES
#endif

namespace litertlm::xnnpack_float {
namespace {

constexpr int kLanes = 16;    // one __m512 of floats
constexpr int kAvxLanes = 8;  // one __m256

// XNNPACK's xnn_reduce_add_f32 for AVX (AVX-512's is kept consistent with it) over `lanes`
// (16 or 8) values: fold the upper half onto the lower one down to 4 lanes, then (0 + 2, 1 + 3),
// then their sum.
float ReduceAdd(const float* a, int lanes) {
  float b[kLanes];
  std::copy(a, a + lanes, b);
  for (int half = lanes / 2; half >= 4; half /= 2)
    for (int i = 0; i < half; ++i) b[i] = b[i] + b[i + half];
  const float d0 = b[0] + b[2], d1 = b[1] + b[3];
  return d0 + d1;
}

// _mm512_min_ps / _mm512_max_ps: the second operand unless the first is strictly smaller
// (larger).
float Min(float a, float b) { return a < b ? a : b; }
float Max(float a, float b) { return a > b ? a : b; }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f"))) float Rsqrt14(float x) {
  // maskz: GCC 12 warns about the undefined source operand of the plain form.
  alignas(64) float y[16];
  _mm512_store_ps(y, _mm512_maskz_rsqrt14_ps(0xFFFF, _mm512_set1_ps(x)));
  return y[0];
}

// The 256-bit vrsqrtps XNNPACK's avx kernel runs (the 128-bit form is the same estimate, but
// this is the instruction itself).
__attribute__((target("avx"))) float RsqrtEstimate(float x) {
  alignas(32) float y[8];
  _mm256_store_ps(y, _mm256_rsqrt_ps(_mm256_set1_ps(x)));
  return y[0];
}
#endif

// The CPU features XNNPACK's x86 hardware config reads for the kernels of this file.
struct Features {
  bool avx = false, avx2 = false, fma = false, avx512f = false;
};

const Features& HostFeatures() {
  static const Features features = [] {
    Features f;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    f.avx = __builtin_cpu_supports("avx");
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
#endif
    return f;
  }();
  return features;
}

}  // namespace

KernelSet HostKernelSet() {
  const Features& f = HostFeatures();
  if (f.avx512f) return KernelSet::kAvx512;
  return f.avx2 && f.fma ? KernelSet::kAvx2 : KernelSet::kNone;
}

const char* KernelSetName(KernelSet set) {
  switch (set) {
    case KernelSet::kAvx512: return "avx512";
    case KernelSet::kAvx2: return "avx2";
    case KernelSet::kNone: break;
  }
  return "none";
}

bool HostCanRun(KernelSet set) {
  switch (set) {
    case KernelSet::kAvx512: return HostFeatures().avx512f;
    case KernelSet::kAvx2: return HostFeatures().avx;
    case KernelSet::kNone: break;
  }
  return true;
}

namespace {

// Σ x·x of f32-rsum2 avx512f u64_acc4 (L = 16, fused) or avx u32_acc4 (L = 8, unfused), as
// xnnpack_float.h MeanOfSquares describes.
template <int L, bool kFused>
float SumOfSquares(const float* x, int64_t n) {
  const auto step = [](float v, float acc) { return kFused ? std::fma(v, v, acc) : v * v + acc; };
  float acc[4][L] = {};
  int64_t i = 0;
  for (; n - i >= 4 * L; i += 4 * L) {
    for (int a = 0; a < 4; ++a)
      for (int l = 0; l < L; ++l) acc[a][l] = step(x[i + a * L + l], acc[a][l]);
  }
  for (int a = 0; a < 3 && n - i >= L; ++a, i += L) {  // up to three L-value steps
    for (int l = 0; l < L; ++l) acc[a][l] = step(x[i + l], acc[a][l]);
  }
  for (int l = 0; l < L; ++l) {
    acc[0][l] += acc[2][l];
    acc[1][l] += acc[3][l];
    acc[0][l] += acc[1][l];
  }
  if (i < n) {  // the masked tail load: zeros in the other lanes
    for (int l = 0; l < L; ++l) {
      const float v = i + l < n ? x[i + l] : 0.0f;
      acc[0][l] = step(v, acc[0][l]);
    }
  }
  return ReduceAdd(acc[0], L);
}

}  // namespace

float MeanOfSquares(const float* x, int64_t n, KernelSet set) {
  const float sum = set == KernelSet::kAvx512 ? SumOfSquares<kLanes, true>(x, n)
                                              : SumOfSquares<kAvxLanes, false>(x, n);
  return 0.0f + sum * (1.0f / static_cast<float>(n));
}

float Rsqrt(float x, KernelSet set) {
#if defined(__x86_64__) && defined(__GNUC__)
  const bool rsqrt14 = set == KernelSet::kAvx512 && HostCanRun(KernelSet::kAvx512);
  if (rsqrt14 || HostCanRun(KernelSet::kAvx2)) {
    float y = rsqrt14 ? Rsqrt14(x) : RsqrtEstimate(x);
    const float t1 = y * y;
    const float t2 = x * t1;
    const float t3 = t2 - 1.0f;
    const float t4 = 0.5f * y;
    const float t5 = t3 * t4;
    y = y - t5;
    return x == std::numeric_limits<float>::infinity() ? 0.0f : y;
  }
#endif
  return 1.0f / std::sqrt(x);
}

void RmsNorm(const float* x, const float* w, int64_t n, float eps, bool plus_one, float* out,
             KernelSet set) {
  const float mean = MeanOfSquares(x, n, set);
  const float r = Rsqrt(mean + eps, set);
  for (int64_t j = 0; j < n; ++j) {
    const float normed = x[j] * r;
    out[j] = normed * (plus_one ? 1.0f + w[j] : w[j]);
  }
}

namespace {

constexpr float kPi = 3.1415927f;
constexpr float k2PiInv = 0.15915494f;
constexpr float k2PiHi = 6.28125f;
constexpr float k2PiLo = 1.9353072e-3f;

// sin on [-π, π] folded to [-π/2, π/2] (the kernels' three min/max steps), then the 5/4 rational.
float SinRational(float x) {
  x = Min(x, kPi - x);
  x = Max(x, (0.0f - kPi) - x);
  x = Min(x, kPi - x);
  const float x2 = x * x;
  float p = std::fma(x2, 3.2340581529e-03f, -1.3314664364e-01f);
  p = std::fma(x2, p, 1.0f);
  p = x * p;
  float q = std::fma(x2, 4.8770775902e-04f, 3.3519912511e-02f);
  q = std::fma(x2, q, 1.0f);
  return p / q;
}

// x − round(x / 2π)·2π with the product in two FMAs (xnn_fnmadd: c − a·b, fused).
float ReduceBy2Pi(float x) {
  const float k = std::nearbyint(x * k2PiInv);  // roundscale to nearest even
  x = std::fma(-k, k2PiHi, x);
  return std::fma(-k, k2PiLo, x);
}

}  // namespace

float Sin(float x) { return SinRational(ReduceBy2Pi(x)); }

float Cos(float x) {
  x = ReduceBy2Pi(x);
  x = (1.5707963705e+00f - x) + -4.3711388e-08f;  // π/2 − x in two parts
  return SinRational(x);
}

void RopeAngles(int64_t half, int64_t pos, const float* inv_freq, float* cos, float* sin) {
  const float p = static_cast<float>(pos);
  for (int64_t i = 0; i < half; ++i) {
    const float angle = p * inv_freq[i];
    cos[i] = Cos(angle);
    sin[i] = Sin(angle);
  }
}

void ApplyRope(float* x, int64_t d, const float* cos, const float* sin) {
  const int64_t half = d / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float a = x[i], b = x[i + half];
    const float ac = a * cos[i], bc = b * cos[i];
    const float nbs = (-b) * sin[i], as = a * sin[i];  // rotate_half: (−b, a), times sin
    x[i] = ac + nbs;
    x[i + half] = bc + as;
  }
}

float ApproxGelu(float x_orig) {
  float x = Min(4.84974098e+00f, x_orig);
  x = Max(-4.84974098e+00f, x);
  const float x2 = x * x;
  float p = std::fma(x2, 4.9544411240e-08f, 1.4302649106e-05f);
  p = std::fma(x2, p, 2.6887017884e-04f);
  p = std::fma(x2, p, 7.2898347862e-03f);
  p = std::fma(x2, p, 6.0803253204e-02f);
  p = std::fma(x2, p, 7.9788458347e-01f);
  p = x * p;
  float q = std::fma(x2, 1.3433452750e-06f, 7.6477612311e-05f);
  q = std::fma(x2, q, 1.3060354395e-03f);
  q = std::fma(x2, q, 2.4381054565e-02f);
  q = std::fma(x2, q, 2.4369759858e-01f);
  q = std::fma(x2, q, 1.0f);
  const float erf = p / q;
  const float half_x = x_orig * 0.5f;
  return half_x * (erf + 1.0f);
}

void ApproxGeluMul(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float a = ApproxGelu(g[i]);
    g[i] = a * u[i];
  }
}

namespace {

constexpr float kSigmoidTable[32] = {
    0x1.000000p+0f, 0x1.059B0Ep+0f, 0x1.0B5586p+0f, 0x1.11301Ep+0f, 0x1.172B84p+0f, 0x1.1D4874p+0f,
    0x1.2387A6p+0f, 0x1.29E9E0p+0f, 0x1.306FE0p+0f, 0x1.371A74p+0f, 0x1.3DEA64p+0f, 0x1.44E086p+0f,
    0x1.4BFDAEp+0f, 0x1.5342B6p+0f, 0x1.5AB07Ep+0f, 0x1.6247ECp+0f, 0x1.6A09E6p+0f, 0x1.71F75Ep+0f,
    0x1.7A1148p+0f, 0x1.82589Ap+0f, 0x1.8ACE54p+0f, 0x1.93737Cp+0f, 0x1.9C4918p+0f, 0x1.A5503Cp+0f,
    0x1.AE89FAp+0f, 0x1.B7F770p+0f, 0x1.C199BEp+0f, 0x1.CB720Ep+0f, 0x1.D5818Ep+0f, 0x1.DFC974p+0f,
    0x1.EA4AFAp+0f, 0x1.F50766p+0f};

}  // namespace

namespace {

// f32-vsigmoid avx512f rr2_lut32_p2_perm2_scalef_div.
float SigmoidAvx512(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const float z = std::bit_cast<float>(bits | 0x80000000u);  // −|x|
  float n = std::fma(z, 0x1.715476p0f, 0x1.800000p18f);
  const float l = kSigmoidTable[std::bit_cast<uint32_t>(n) & 31u];
  n = n - 0x1.800000p18f;
  float t = std::fma(n, -0x1.62E430p-1f, z);
  t = std::fma(n, 0x1.05C61p-29f, t);
  float p = std::fma(t, 0x1.000000p-1f, 0x1.0000F6p-0f);
  t = t * l;
  p = std::fma(t, p, l);
  const float e = std::ldexp(p, static_cast<int>(std::floor(n)));  // scalef: p · 2^floor(n)
  const float d = e + 1.0f;
  const float f = e / d;
  return (bits & 0x80000000u) == 0 ? 1.0f - f : f;
}

// f32-vsigmoid avx2 rr1_p5_div: e = exp(z), z = −|x|, as s · (1 + t·p(t)) with n = round(z·log2 e)
// by the magic-bias addition, s = 2^n from n's bits, t = z − n·ln 2 (one constant); σ(−|x|) =
// e / (e + 1), zero below the denormal cutoff; σ(x) = 1 − that for x ≥ 0 (by x's sign bit).
float SigmoidAvx2(float x) {
  constexpr float kMagicBias = 0x1.8000FEp23f;
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const float z = std::bit_cast<float>(bits | 0x80000000u);
  float n = std::fma(z, 0x1.715476p0f, kMagicBias);
  const float s = std::bit_cast<float>(std::bit_cast<uint32_t>(n) << 23);
  n = n - kMagicBias;
  float t = std::fma(n, -0x1.62E430p-1f, z);
  float p = std::fma(0x1.0F9F9Cp-7f, t, 0x1.573A1Ap-5f);
  p = std::fma(p, t, 0x1.555A80p-3f);
  p = std::fma(p, t, 0x1.FFFDC6p-2f);
  p = std::fma(p, t, 0x1.FFFFF6p-1f);
  t = t * s;
  const float e = std::fma(t, p, s);
  const float d = e + 1.0f;
  float f = e / d;
  if (z < -0x1.5D589Ep+6f) f = 0.0f;
  return (bits & 0x80000000u) == 0 ? 1.0f - f : f;
}

}  // namespace

float Sigmoid(float x, KernelSet set) {
  return set == KernelSet::kAvx512 ? SigmoidAvx512(x) : SigmoidAvx2(x);
}

void SiluMul(float* g, const float* u, int64_t n, KernelSet set) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = Sigmoid(g[i], set);
    const float a = g[i] * s;
    g[i] = a * u[i];
  }
}

float Tanh(float x) {
  x = Min(7.9807181358e+00f, x);
  x = Max(-7.9807181358e+00f, x);
  const float x2 = x * x;
  float p = std::fma(x2, 1.4248920266e-08f, 2.1235626264e-05f);
  p = std::fma(x2, p, 3.5330520477e-03f);
  p = std::fma(x2, p, 1.3412411511e-01f);
  p = std::fma(x2, p, 1.0f);
  p = x * p;
  float q = std::fma(x2, 8.1365948290e-07f, 3.3472978976e-04f);
  q = std::fma(x2, q, 2.6018999517e-02f);
  q = std::fma(x2, q, 4.6745735407e-01f);
  q = std::fma(x2, q, 1.0f);
  return p / q;
}

void SoftCap(float* x, int64_t n, float cap) {
  for (int64_t i = 0; i < n; ++i) {
    const float scaled = x[i] / cap;
    x[i] = Tanh(scaled) * cap;
  }
}

namespace {

// exp(x − max) of f32-raddstoreexpminusmax rr2_p5 (avx512f and avx2: the same steps) for one
// value.
float ExpMinusMax(float in, float max) {
  const float x = in - max;
  float n = std::fma(x, 0x1.715476p+0f, 0x1.8000FEp23f);
  const float s = std::bit_cast<float>(std::bit_cast<uint32_t>(n) << 23);
  n = n - 0x1.8000FEp23f;
  float t = std::fma(n, -0x1.62E400p-1f, x);
  t = std::fma(n, -0x1.7F7D1Cp-20f, t);
  float p = std::fma(0x1.0F9F9Cp-7f, t, 0x1.573A1Ap-5f);
  p = std::fma(p, t, 0x1.555A80p-3f);
  p = std::fma(p, t, 0x1.FFFDC6p-2f);
  p = std::fma(p, t, 0x1.FFFFF6p-1f);
  t = t * s;
  const float f = std::fma(t, p, s);
  return x < -0x1.5D589Ep6f ? 0.0f : f;
}

}  // namespace

namespace {

// f32-raddstoreexpminusmax rr2_p5 u(4L)_acc2 with L lanes: 4L-value steps add their four L-lane
// vectors to acc0, acc1, acc0, acc1; then acc0 += acc1; L-value steps and the masked tail (only
// its lanes stored and added) go into acc0; the horizontal sum by halves.
template <int L>
float StoreExpMinusMaxAndSum(float* x, int64_t n, float max) {
  float acc0[L] = {}, acc1[L] = {};
  int64_t i = 0;
  for (; n - i >= 4 * L; i += 4 * L) {
    for (int64_t j = i; j < i + 4 * L; ++j) x[j] = ExpMinusMax(x[j], max);
    for (int l = 0; l < L; ++l) {
      acc0[l] += x[i + l];
      acc1[l] += x[i + L + l];
      acc0[l] += x[i + 2 * L + l];
      acc1[l] += x[i + 3 * L + l];
    }
  }
  for (int l = 0; l < L; ++l) acc0[l] += acc1[l];
  for (; n - i >= L; i += L) {
    for (int l = 0; l < L; ++l) {
      x[i + l] = ExpMinusMax(x[i + l], max);
      acc0[l] += x[i + l];
    }
  }
  for (int l = 0; i + l < n; ++l) {
    x[i + l] = ExpMinusMax(x[i + l], max);
    acc0[l] += x[i + l];
  }
  return ReduceAdd(acc0, L);
}

}  // namespace

void Softmax(float* x, int64_t n, KernelSet set) {
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = std::max(max, x[i]);
  // avx512f u64_acc2 or avx2 u32_acc2 (the same exp; _mm512_reduce_add_ps is the same tree).
  const float sum = set == KernelSet::kAvx512 ? StoreExpMinusMaxAndSum<kLanes>(x, n, max)
                                              : StoreExpMinusMaxAndSum<kAvxLanes>(x, n, max);
  const float scale = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] = x[j] * scale;
}

float Dot(const float* a, const float* b, int64_t k) {
  float acc = 0.0f;
  for (int64_t i = 0; i < k; ++i) acc = std::fma(a[i], b[i], acc);
  return acc;
}

// The clones only let std::fma become one instruction (and the lanes vectorize); every clone
// computes the same chains.
namespace {
LITERTLM_XNN_CLONES
void DotRowsClones(const float* a, const float* rows, int64_t stride, int64_t n, int64_t k, float* out) {
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    float acc[kLanes] = {};
    for (int64_t i = 0; i < k; ++i)
      for (int l = 0; l < kLanes; ++l) acc[l] = std::fma(a[i], rows[(j + l) * stride + i], acc[l]);
    for (int l = 0; l < kLanes; ++l) out[j + l] = acc[l];
  }
  for (; j < n; ++j) out[j] = Dot(a, rows + j * stride, k);
}
}  // namespace
void DotRows(const float* a, const float* rows, int64_t stride, int64_t n, int64_t k, float* out) {
  DotRowsClones(a, rows, stride, n, k, out);
}

namespace {
LITERTLM_XNN_CLONES
void FmaStepClones(float p, const float* v, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(p, v[i], out[i]);
}
}  // namespace
void FmaStep(float p, const float* v, int64_t n, float* out) {
  FmaStepClones(p, v, n, out);
}

}  // namespace litertlm::xnnpack_float
