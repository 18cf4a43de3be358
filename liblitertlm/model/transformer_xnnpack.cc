// Transformer's layers with ModelWeights::xnnpack_float_ops: the ops of the TFLite graph that
// format/tflite_llm_writer.cc writes, in its order, each fp32 op as XNNPACK computes it
// (kernels/xnnpack_float.h), so that our residual stream is Google's runtime's bit for bit:
//   attention  RmsNorm; q, k, v = FULLY_CONNECTED (Linear's qd8 emulation); q_norm / k_norm per
//              head; RoPE (cos/sin of pos · inv_freq, MUL, MUL, ADD); q × scale (MUL); scores =
//              BATCH_MATMUL (FMA chain over the head dimension); ADD mask; SOFTMAX over the
//              cache's row; out = BATCH_MATMUL (FMA chain over the keys in position order);
//              o_proj; post-attention norm (sandwich); residual ADD;
//   MLP        RmsNorm; gate, up; GELU(approximate) or LOGISTIC·MUL; MUL up; down; norm; ADD.
// Every step is per row (token), so prefill and decode give the same values, as the graph's
// prefill and decode signatures do. The graph's SOFTMAX runs over the whole cache length L with
// the unseen positions masked: their exp is 0 and they fall in the same accumulator lanes as
// here, where the row is cut at the next multiple of 64 past the query's position (the same sum
// whenever L is a multiple of 64, as the default 1,280 is; other lengths can differ in the last
// bit). The final norm and soft-cap are in Transformer::Logits.
// Not XNNPACK's: exact GELU (erf) and non-fp32 KV caches use the default kernels (neither occurs
// in the writer's Qwen 3 / Gemma 3 files with the default fp32 cache). XNNPACK's kernels differ
// by CPU: the AVX-512 and the AVX2/FMA3 ones are reproduced (xnnpack_float::HostKernelSet picks
// as XNNPACK does); CPUs with neither (SSE or plain AVX only), and first-generation Zen, whose
// f32-gemm chains run k in another order, are not.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/elementwise.h"
#include "kernels/linear.h"
#include "kernels/xnnpack_float.h"
#include "model/for_rows.h"
#include "model/transformer.h"

namespace litertlm {
namespace {

// SOFTMAX's kernel sums in 64-value steps; rows are cut at a multiple of it (file comment).
constexpr int64_t kSoftmaxStep = 64;

// The end of a sublayer, per row: o = RmsNorm(o) when `norm` is given (sandwich norms), then
// x += o, both as XNNPACK computes them.
void AddSublayerOutput(KernelContext& ctx, int64_t m, int64_t e, const float* norm, float eps,
                       bool plus_one, float* proj, float* x) {
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* o = proj + t * e;
      if (norm) xnnpack_float::RmsNorm(o, norm, e, eps, plus_one, o);
      float* xt = x + t * e;
      for (int64_t i = 0; i < e; ++i) xt[i] = xt[i] + o[i];
    }
  });
}

}  // namespace

void Transformer::XnnpackAttention(int layer, int64_t m, int start, const KvCache& cache,
                                   ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const int d = c.head_dim, group = c.num_heads / c.num_kv_heads;
  const int64_t qd = int64_t{c.num_heads} * d;
  const bool sliding = c.layer_sliding[layer];
  const float scale = static_cast<float>(c.attention_scale);
  const float minus_inf = -std::numeric_limits<float>::infinity();
  // Items: (row, query head).
  const int64_t items = m * c.num_heads;
  const int64_t parts = std::min<int64_t>(ctx.num_threads(), std::max<int64_t>(1, items / 4));
  ctx.pool().ParallelFor(parts, [&](int64_t p0, int64_t p1) {
    std::vector<float> q(static_cast<size_t>(d));
    std::vector<float> row;
    for (int64_t item = p0 * items / parts; item < p1 * items / parts; ++item) {
      const int64_t t = item / c.num_heads;
      const int h = static_cast<int>(item % c.num_heads);
      const int kv_head = h / group;
      const int pos = start + static_cast<int>(t);
      const int lo = sliding ? std::max(0, pos - c.sliding_window + 1) : 0;
      const float* qh = s.q.data() + t * qd + int64_t{h} * d;
      for (int i = 0; i < d; ++i) q[i] = qh[i] * scale;
      const int64_t n = (int64_t{pos} + kSoftmaxStep) / kSoftmaxStep * kSoftmaxStep;
      row.assign(static_cast<size_t>(n), minus_inf);
      xnnpack_float::DotRows(q.data(), cache.KeyF32(layer, kv_head, lo), d, pos - lo + 1, d,
                             row.data() + lo);
      // The mask ADD of 0 (x + 0 = x; -0 becomes +0, which exp cannot tell apart).
      for (int j = lo; j <= pos; ++j) row[j] = row[j] + 0.0f;
      xnnpack_float::Softmax(row.data(), n);
      float* out = s.attn.data() + t * qd + int64_t{h} * d;
      std::fill(out, out + d, 0.0f);
      for (int j = lo; j <= pos; ++j)  // the masked keys' p = 0 leave the FMA chains unchanged
        xnnpack_float::FmaStep(row[j], cache.ValueF32(layer, kv_head, j), d, out);
    }
  });
}

void Transformer::XnnpackAttentionLayer(int layer, int64_t m, int start, KvCache& cache,
                                        ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t e = c.hidden_size, d = c.head_dim;
  const int64_t qd = c.num_heads * d, kvd = c.num_kv_heads * d;
  const float eps = static_cast<float>(c.rms_norm_eps);
  const bool plus_one = c.norm_weight_plus_one;
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      xnnpack_float::RmsNorm(s.x.data() + t * e, w.input_norm, e, eps, plus_one,
                             s.h.data() + t * e);
  });
  const Matrix* qkv[] = {&w.q_proj, &w.k_proj, &w.v_proj};
  float* qkv_out[] = {s.q.data(), s.k.data(), s.v.data()};
  LinearSameInput(ctx, qkv, s.h.data(), m, qkv_out);
  const float* inv_freq = c.layer_sliding[layer] ? tflite_inv_freq_local_.data()
                                                 : tflite_inv_freq_global_.data();
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    std::vector<float> angles(static_cast<size_t>(d));
    float* const cos = angles.data();
    float* const sin = angles.data() + d / 2;
    for (int64_t t = t0; t < t1; ++t) {
      const int pos = start + static_cast<int>(t);
      xnnpack_float::RopeAngles(d / 2, pos, inv_freq, cos, sin);
      for (int h = 0; h < c.num_heads; ++h) {
        float* q = s.q.data() + t * qd + h * d;
        if (c.qk_norm) xnnpack_float::RmsNorm(q, w.q_norm, d, eps, plus_one, q);
        xnnpack_float::ApplyRope(q, d, cos, sin);
      }
      for (int h = 0; h < c.num_kv_heads; ++h) {
        float* k = s.k.data() + t * kvd + h * d;
        if (c.qk_norm) xnnpack_float::RmsNorm(k, w.k_norm, d, eps, plus_one, k);
        xnnpack_float::ApplyRope(k, d, cos, sin);
      }
      cache.Write(layer, pos, s.k.data() + t * kvd, s.v.data() + t * kvd);
    }
  });
  if (cache.dtype() == KvDType::kF32) {
    XnnpackAttention(layer, m, start, cache, s, ctx);
  } else {
    Attention(layer, m, start, cache, s, ctx);  // not XNNPACK's: its caches are fp32
  }
  Linear(ctx, w.o_proj, s.attn.data(), m, s.proj.data());
  AddSublayerOutput(ctx, m, e, c.sandwich_norms ? w.post_attention_norm : nullptr, eps, plus_one,
                    s.proj.data(), s.x.data());
}

void Transformer::XnnpackMlpLayer(int layer, int64_t m, ForwardScratch& s,
                                  KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t e = c.hidden_size, f = c.intermediate_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  const bool plus_one = c.norm_weight_plus_one;
  const float* pre_norm = c.sandwich_norms ? w.pre_feedforward_norm : w.post_attention_norm;
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      xnnpack_float::RmsNorm(s.x.data() + t * e, pre_norm, e, eps, plus_one, s.h.data() + t * e);
  });
  const Matrix* gate_up[] = {&w.gate_proj, &w.up_proj};
  float* gate_up_out[] = {s.gate.data(), s.up.data()};
  LinearSameInput(ctx, gate_up, s.h.data(), m, gate_up_out);
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* g = s.gate.data() + t * f;
      const float* u = s.up.data() + t * f;
      switch (c.activation) {
        case Activation::kSilu: xnnpack_float::SiluMul(g, u, f); break;
        case Activation::kGeluTanh: xnnpack_float::ApproxGeluMul(g, u, f); break;
        case Activation::kGeluExact: GeluExactMul(g, u, f); break;  // not XNNPACK's (file comment)
      }
    }
  });
  Linear(ctx, w.down_proj, s.gate.data(), m, s.proj.data());
  AddSublayerOutput(ctx, m, e, c.sandwich_norms ? w.post_feedforward_norm : nullptr, eps, plus_one,
                    s.proj.data(), s.x.data());
}

}  // namespace litertlm
