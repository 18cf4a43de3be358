// XNNPACK's fp32 arithmetic, bit for bit: the non-quantized ops of a TFLite LLM graph (the one
// tflite_llm_writer.cc writes) as Google's runtime (TFLite + XNNPACK on an AVX-512 host) computes
// them, for LoadOptions::int8_activations = kLikeGoogleRuntime. Each function reproduces the
// rounding steps of the XNNPACK microkernel named in its comment (same operations, same order, FMA
// where the kernel fuses); results are per element or per row, so they do not depend on the batch.
// The default (exact) mode does not use this file.
#ifndef LITERTLM_KERNELS_XNNPACK_FLOAT_H_
#define LITERTLM_KERNELS_XNNPACK_FLOAT_H_

#include <cstdint>

namespace litertlm::xnnpack_float {

// True when the host has AVX-512F, whose rsqrt14 instruction XNNPACK's RSQRT starts from
// (without it, Rsqrt falls back to 1/sqrt and RmsNorm is no longer XNNPACK's).
bool HostHasRsqrt14();

// MEAN(x·x) over a contiguous row, as XNNPACK runs it: its subgraph rewrites MEAN of a square
// into mean_squared, f32-rsum2 avx512f u64_acc4 (four 16-lane FMA accumulators over 64-value
// steps, up to three 16-value steps into accumulators 0, 1, 2, the sums (0 + 2) + (1 + 3), the
// masked tail, then XNNPACK's AVX-consistent horizontal sum), times 1.0f / n.
float MeanOfSquares(const float* x, int64_t n);

// RSQRT: f32-vrsqrt avx512f_rsqrt (rsqrt14 and one Newton-Raphson step, unfused).
float Rsqrt(float x);

// The odml.rms_norm decomposition: out = (x · rsqrt(MeanOfSquares(x) + eps)) · w', w' = w as
// the file stores it, or 1.0f + w[i] when `plus_one` (the writer folds Gemma's 1 + w so, in fp32).
// out may alias x.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, bool plus_one, float* out);

// SIN and COS: f32-vsin / f32-vcos avx512f rational_5_4_div (range reduction by 2π in two parts,
// a 5/4 rational approximation).
float Sin(float x);
float Cos(float x);

// The writer's RoPE table for one position: angle = float(pos) · inv_freq[i] (MUL), cos and sin
// of it (i < half).
void RopeAngles(int64_t half, int64_t pos, const float* inv_freq, float* cos, float* sin);
// x·cos + rotate_half(x)·sin as the graph's MUL, MUL, ADD (no FMA), for one head of d values.
void ApplyRope(float* x, int64_t d, const float* cos, const float* sin);

// GELU(approximate=true): f32-vapproxgelu avx512f rational_12_10_div. g[i] = gelu(g[i]) · u[i].
float ApproxGelu(float x);
void ApproxGeluMul(float* g, const float* u, int64_t n);
// LOGISTIC: f32-vsigmoid avx512f rr2_lut32_p2_perm2_scalef_div. g[i] = (g[i] · σ(g[i])) · u[i].
float Sigmoid(float x);
void SiluMul(float* g, const float* u, int64_t n);

// TANH: f32-vtanh avx512f rational_9_8_div. SoftCap: x = tanh(x / cap) · cap as the writer's
// DIV, TANH, MUL (the final logit soft-cap), n values.
float Tanh(float x);
void SoftCap(float* x, int64_t n, float cap);

// SOFTMAX of one row of `n` values, in place: rmax, f32-raddstoreexpminusmax avx512f rr2_p5
// u64_acc2 (exp(x − max) stored and summed in its accumulator order), then × (1.0f / sum).
// Entries equal to −inf (masked) contribute exp = 0, as the graph's large negative mask does.
void Softmax(float* x, int64_t n);

// One output of f32-gemm (avx512f broadcast kernels): the FMA chain over k from 0, in k order.
float Dot(const float* a, const float* b, int64_t k);
// out[j] = Dot(a, rows + j·stride, k) for j < n (several independent chains at once).
void DotRows(const float* a, const float* rows, int64_t stride, int64_t n, int64_t k, float* out);
// out[i] = fma(p, v[i], out[i]), i < n: one step of the chains of a product whose k runs over v's
// rows (BATCH_MATMUL p·V, each output's chain in k order).
void FmaStep(float p, const float* v, int64_t n, float* out);

}  // namespace litertlm::xnnpack_float

#endif  // LITERTLM_KERNELS_XNNPACK_FLOAT_H_
