// XNNPACK's fp32 arithmetic, bit for bit: the non-quantized ops of a TFLite LLM graph (the one
// tflite_llm_writer.cc writes) as Google's runtime (TFLite + XNNPACK) computes them, for
// LoadOptions::int8_activations = kLikeGoogleRuntime. Each function reproduces the rounding steps
// of the XNNPACK microkernel named in its comment (same operations, same order, FMA where the
// kernel fuses); results are per element or per row, so they do not depend on the batch.
// XNNPACK's hardware config picks the microkernels by CPU features; where the AVX-512 and the
// AVX2/FMA3 kernels round differently (MEAN of squares, RSQRT, LOGISTIC, SOFTMAX), the functions
// take a KernelSet, by default the host's (HostKernelSet). The other ops' AVX2/FMA3 kernels
// (fma3 rational SIN/COS/GELU/TANH, fma3 broadcast f32-gemm) make the same steps as the AVX-512
// ones. The default (exact) mode does not use this file.
#ifndef LITERTLM_KERNELS_XNNPACK_FLOAT_H_
#define LITERTLM_KERNELS_XNNPACK_FLOAT_H_

#include <cstdint>

namespace litertlm::xnnpack_float {

// The microkernels XNNPACK's x86 hardware config selects (src/configs/*-config.c):
//   kAvx512  the CPU has AVX-512F (avx512f kernels; rsqrt14);
//   kAvx2    AVX2 and FMA3 without AVX-512F (avx rsum2 and rsqrt, avx2 sigmoid and softmax, fma3
//            elsewhere): most laptops and desktops;
//   kNone    neither: XNNPACK runs other kernels (SSE, plain AVX), which are not reproduced; the
//            functions then compute kAvx2's steps (RSQRT as 1/sqrt without AVX).
enum class KernelSet { kNone, kAvx2, kAvx512 };
KernelSet HostKernelSet();
// "avx512", "avx2", "none" (the fixture directories of tests/golden/xnnpack_float/).
const char* KernelSetName(KernelSet set);
// True when this process can run `set`'s steps (its approximation instructions exist here):
// kAvx512 needs AVX-512F, kAvx2 AVX (rsqrtps); kNone always.
bool HostCanRun(KernelSet set);

// MEAN(x·x) over a contiguous row, as XNNPACK runs it: its subgraph rewrites MEAN of a square
// into mean_squared, f32-rsum2 (four accumulators of L lanes over 4L-value steps, up to three
// L-value steps into accumulators 0, 1, 2, the sums (0 + 2) + (1 + 3), the masked tail, then the
// horizontal sum by halves), times 1.0f / n. kAvx512: avx512f u64_acc4, L = 16, x·x + acc fused;
// kAvx2: avx u32_acc4, L = 8, x·x rounded before the add (plain AVX has no FMA).
float MeanOfSquares(const float* x, int64_t n, KernelSet set = HostKernelSet());

// RSQRT: f32-vrsqrt rsqrt (the hardware estimate and one Newton-Raphson step, unfused).
// kAvx512: avx512f_rsqrt, rsqrt14 (architecturally exact); kAvx2: avx_rsqrt, vrsqrtps, whose
// 12-bit estimate is the CPU's own (Intel's and AMD's differ), so this runs the instruction.
float Rsqrt(float x, KernelSet set = HostKernelSet());

// The odml.rms_norm decomposition: out = (x · rsqrt(MeanOfSquares(x) + eps)) · w', w' = w as
// the file stores it, or 1.0f + w[i] when `plus_one` (the writer folds Gemma's 1 + w so, in fp32).
// out may alias x.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, bool plus_one, float* out,
             KernelSet set = HostKernelSet());

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
// LOGISTIC: f32-vsigmoid avx512f rr2_lut32_p2_perm2_scalef_div (kAvx512) or avx2 rr1_p5_div
// (kAvx2: exp(−|x|) by a degree-5 polynomial, one-constant range reduction).
// g[i] = (g[i] · σ(g[i])) · u[i].
float Sigmoid(float x, KernelSet set = HostKernelSet());
void SiluMul(float* g, const float* u, int64_t n, KernelSet set = HostKernelSet());

// TANH: f32-vtanh avx512f rational_9_8_div. SoftCap: x = tanh(x / cap) · cap as the writer's
// DIV, TANH, MUL (the final logit soft-cap), n values.
float Tanh(float x);
void SoftCap(float* x, int64_t n, float cap);

// SOFTMAX of one row of `n` values, in place: rmax, f32-raddstoreexpminusmax rr2_p5 (exp(x − max)
// stored and summed in its accumulator order: avx512f u64_acc2, 16 lanes, or avx2 u32_acc2,
// 8 lanes; the same exp), then × (1.0f / sum). Entries equal to −inf (masked) contribute
// exp = 0, as the graph's large negative mask does.
void Softmax(float* x, int64_t n, KernelSet set = HostKernelSet());

// One output of f32-gemm (avx512f and fma3 broadcast kernels): the FMA chain over k from 0, in k
// order. (XNNPACK's config gives first-generation Zen CPUs fma3 "s4" kernels, whose chains run
// k in another order; not reproduced.)
float Dot(const float* a, const float* b, int64_t k);
// out[j] = Dot(a, rows + j·stride, k) for j < n (several independent chains at once).
void DotRows(const float* a, const float* rows, int64_t stride, int64_t n, int64_t k, float* out);
// out[i] = fma(p, v[i], out[i]), i < n: one step of the chains of a product whose k runs over v's
// rows (BATCH_MATMUL p·V, each output's chain in k order).
void FmaStep(float p, const float* v, int64_t n, float* out);

}  // namespace litertlm::xnnpack_float

#endif  // LITERTLM_KERNELS_XNNPACK_FLOAT_H_
