#include "model/transformer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/attention_ops.h"
#include "kernels/blas.h"
#include "kernels/elementwise.h"
#include "kernels/linear.h"

namespace litertlm {
namespace {

// With an fp32 KV cache, attention runs as sgemm over blocks of this many queries (scores panel:
// block × context floats per thread, never seq × seq); below kMinBlockedQueries queries, blocks
// of one query (sgemv). An fp16 cache uses the per-key vector ops (AttendGroup).
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kMinBlockedQueries = 16;

// inv_freq[i] = 1 / theta^(2i/d) / factor, computed in fp32 as transformers does.
std::vector<float> InvFreq(const RopeConfig& rope, int d) {
  std::vector<float> f(d / 2);
  for (int i = 0; i < d / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(d);
    f[i] = 1.0f / std::pow(static_cast<float>(rope.theta), exponent) /
           static_cast<float>(rope.linear_factor);
  }
  return f;
}

void AddBias(float* y, const float* bias, int64_t m, int64_t n) {
  if (bias == nullptr) return;
  for (int64_t r = 0; r < m; ++r) AddInPlace(y + r * n, bias, n);
}

}  // namespace

void ForwardScratch::Reserve(const ModelConfig& c, int64_t m, int64_t max_context, int parts) {
  const int64_t e = c.hidden_size, qd = int64_t{c.num_heads} * c.head_dim;
  const int64_t kvd = int64_t{c.num_kv_heads} * c.head_dim, f = c.intermediate_size;
  auto grow = [](std::vector<float>& v, int64_t n) {
    if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  };
  grow(x, m * e);
  grow(h, m * e);
  grow(q, m * qd);
  grow(k, m * kvd);
  grow(v, m * kvd);
  grow(attn, m * qd);
  grow(proj, m * e);
  grow(gate, m * f);
  grow(up, m * f);
  grow(scores, max_context * parts * (c.num_heads / c.num_kv_heads));
  grow(logits_in, m * e);
}

Transformer::Transformer(const ModelConfig& config, const ModelWeights& weights)
    : config_(config),
      weights_(weights),
      inv_freq_global_(InvFreq(config.rope_global, config.head_dim)),
      inv_freq_local_(InvFreq(config.rope_local, config.head_dim)) {}

void Transformer::AttendGroup(int layer, int64_t t, int kv_head, int start, const KvCache& cache,
                              ForwardScratch& s, float* scores) const {
  const ModelConfig& c = config_;
  const AttentionOps& ops = ActiveAttentionOps();
  const bool f16 = cache.dtype() == KvDType::kF16;
  const int d = c.head_dim, group = c.num_heads / c.num_kv_heads;
  const int64_t qd = int64_t{c.num_heads} * d;
  const int64_t kv_offset = int64_t{kv_head} * d;
  const int64_t stride = cache.max_tokens();  // scores row of head g: scores + g·stride
  const int pos = start + static_cast<int>(t);
  const int lo = c.layer_sliding[layer] ? std::max(0, pos - c.sliding_window + 1) : 0;
  const float scale = static_cast<float>(c.attention_scale);
  const float* q = s.q.data() + t * qd + int64_t{kv_head} * group * d;
  // Every key and value row is read once for all `group` query heads that share it.
  for (int j = lo; j <= pos; ++j) {
    const float* k32 = f16 ? nullptr : cache.KeyF32(layer, j) + kv_offset;
    const uint16_t* k16 = f16 ? cache.KeyF16(layer, j) + kv_offset : nullptr;
    for (int g = 0; g < group; ++g) {
      float dot = f16 ? ops.dot_f16(q + g * d, k16, d) : ops.dot_f32(q + g * d, k32, d);
      dot *= scale;
      if (c.attn_logit_softcapping) {
        const float cap = static_cast<float>(*c.attn_logit_softcapping);
        dot = std::tanh(dot / cap) * cap;
      }
      scores[g * stride + (j - lo)] = dot;
    }
  }
  float* out = s.attn.data() + t * qd + int64_t{kv_head} * group * d;
  for (int g = 0; g < group; ++g) {
    float* row = scores + g * stride;
    float max_score = -std::numeric_limits<float>::infinity();
    for (int j = 0; j <= pos - lo; ++j) max_score = std::max(max_score, row[j]);
    float sum = 0.0f;
    for (int j = 0; j <= pos - lo; ++j) {
      row[j] = std::exp(row[j] - max_score);
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j <= pos - lo; ++j) row[j] *= inv;
    std::fill(out + g * d, out + (g + 1) * d, 0.0f);
  }
  for (int j = lo; j <= pos; ++j) {
    for (int g = 0; g < group; ++g) {
      const float p = scores[g * stride + (j - lo)];
      if (f16) {
        ops.axpy_f16(p, cache.ValueF16(layer, j) + kv_offset, out + g * d, d);
      } else {
        ops.axpy_f32(p, cache.ValueF32(layer, j) + kv_offset, out + g * d, d);
      }
    }
  }
}

void Transformer::AttendBlock(int layer, int64_t t0, int64_t t1, int h, int start,
                              const KvCache& cache, ForwardScratch& s, float* scores) const {
  const ModelConfig& c = config_;
  const int d = c.head_dim, group = c.num_heads / c.num_kv_heads;
  const int64_t qd = int64_t{c.num_heads} * d, kvd = int64_t{c.num_kv_heads} * d;
  const int64_t kv_offset = int64_t{h / group} * d;
  const int64_t rows = t1 - t0;
  const int first = start + static_cast<int>(t0), last = start + static_cast<int>(t1) - 1;
  const bool sliding = c.layer_sliding[layer];
  const int lo = sliding ? std::max(0, first - c.sliding_window + 1) : 0;
  const int64_t keys = last - lo + 1;
  const float* q = s.q.data() + t0 * qd + int64_t{h} * d;
  BlasSgemm(/*b_transposed=*/true, rows, keys, d, static_cast<float>(c.attention_scale), q, qd,
            cache.KeyF32(layer, lo) + kv_offset, kvd, 0.0f, scores, keys);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = scores + r * keys;
    const int pos = first + static_cast<int>(r);
    const int row_lo = sliding ? std::max(0, pos - c.sliding_window + 1) : 0;
    const int64_t begin = row_lo - lo, end = pos - lo + 1;  // visible keys [begin, end)
    if (c.attn_logit_softcapping) {
      const float cap = static_cast<float>(*c.attn_logit_softcapping);
      for (int64_t j = begin; j < end; ++j) row[j] = std::tanh(row[j] / cap) * cap;
    }
    SoftmaxInPlace(row + begin, end - begin);
    for (int64_t j = 0; j < begin; ++j) row[j] = 0.0f;
    for (int64_t j = end; j < keys; ++j) row[j] = 0.0f;
  }
  BlasSgemm(/*b_transposed=*/false, rows, d, keys, 1.0f, scores, keys,
            cache.ValueF32(layer, lo) + kv_offset, kvd, 0.0f, s.attn.data() + t0 * qd + int64_t{h} * d,
            qd);
}

void Transformer::Attention(int layer, int64_t m, int start, const KvCache& cache,
                            ForwardScratch& s, KernelContext& ctx) const {
  if (cache.dtype() == KvDType::kF32) {
    // (head, block of queries) items, one scores panel per thread. Decode (m = 1) is a block of
    // one query: two sgemv per head.
    const int64_t block = m >= kMinBlockedQueries ? kQueryBlock : 1;
    const int64_t blocks = (m + block - 1) / block;
    const int64_t items = blocks * config_.num_heads;
    const int64_t panel = block * (start + m);
    // Roughly 2·d multiply-adds per (query, key) pair; small problems stay on this thread.
    const int64_t work = m * config_.num_heads * (start + m) * 2 * config_.head_dim;
    const int64_t parts =
        std::min<int64_t>({ctx.num_threads(), items, std::max<int64_t>(1, work >> 16)});
    if (static_cast<int64_t>(s.scores.size()) < panel * parts) {
      s.scores.resize(static_cast<size_t>(panel * parts));
    }
    ctx.pool().ParallelFor(parts, [&](int64_t part_begin, int64_t part_end) {
      for (int64_t part = part_begin; part < part_end; ++part) {
        float* scores = s.scores.data() + part * panel;
        for (int64_t i = items * part / parts; i < items * (part + 1) / parts; ++i) {
          const int64_t b = i / config_.num_heads;
          AttendBlock(layer, b * block, std::min(m, (b + 1) * block),
                      static_cast<int>(i % config_.num_heads), start, cache, s, scores);
        }
      }
    });
    return;
  }
  // (token, KV head) pairs are split into one contiguous part per thread; part p uses the
  // `group` score rows starting at row p·group.
  const int group = config_.num_heads / config_.num_kv_heads;
  const int64_t items = m * config_.num_kv_heads;
  // Roughly 2·d multiply-adds per (query, key) pair; small problems stay on this thread.
  const int64_t work = items * group * (start + m) * 2 * config_.head_dim;
  const int64_t parts = std::min<int64_t>({ctx.num_threads(), items, std::max<int64_t>(1, work >> 16)});
  const int64_t panel = int64_t{group} * cache.max_tokens();
  ctx.pool().ParallelFor(parts, [&](int64_t part_begin, int64_t part_end) {
    for (int64_t part = part_begin; part < part_end; ++part) {
      float* scores = s.scores.data() + part * panel;
      for (int64_t i = items * part / parts; i < items * (part + 1) / parts; ++i) {
        AttendGroup(layer, i / config_.num_kv_heads, static_cast<int>(i % config_.num_kv_heads),
                    start, cache, s, scores);
      }
    }
  });
}

void Transformer::AttentionLayer(int layer, int64_t m, int start, KvCache& cache,
                                 ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t e = c.hidden_size, d = c.head_dim;
  const int64_t qd = c.num_heads * d, kvd = c.num_kv_heads * d;
  const float eps = static_cast<float>(c.rms_norm_eps);
  for (int64_t t = 0; t < m; ++t)
    RmsNorm(s.x.data() + t * e, w.input_norm, e, eps, c.norm_weight_plus_one, s.h.data() + t * e);
  Linear(ctx, w.q_proj, s.h.data(), m, s.q.data());
  Linear(ctx, w.k_proj, s.h.data(), m, s.k.data());
  Linear(ctx, w.v_proj, s.h.data(), m, s.v.data());
  AddBias(s.q.data(), w.q_bias, m, qd);
  AddBias(s.k.data(), w.k_bias, m, kvd);
  AddBias(s.v.data(), w.v_bias, m, kvd);
  const float* inv_freq = c.layer_sliding[layer] ? inv_freq_local_.data() : inv_freq_global_.data();
  for (int64_t t = 0; t < m; ++t) {
    const int pos = start + static_cast<int>(t);
    for (int h = 0; h < c.num_heads; ++h) {
      float* q = s.q.data() + t * qd + h * d;
      if (c.qk_norm) RmsNorm(q, w.q_norm, d, eps, c.norm_weight_plus_one, q);
      ApplyRope(q, d, pos, inv_freq);
    }
    for (int h = 0; h < c.num_kv_heads; ++h) {
      float* k = s.k.data() + t * kvd + h * d;
      if (c.qk_norm) RmsNorm(k, w.k_norm, d, eps, c.norm_weight_plus_one, k);
      ApplyRope(k, d, pos, inv_freq);
    }
    cache.Write(layer, pos, s.k.data() + t * kvd, s.v.data() + t * kvd);
  }
  Attention(layer, m, start, cache, s, ctx);
  Linear(ctx, w.o_proj, s.attn.data(), m, s.proj.data());
  AddBias(s.proj.data(), w.o_bias, m, e);
  for (int64_t t = 0; t < m; ++t) {
    float* o = s.proj.data() + t * e;
    if (c.sandwich_norms) RmsNorm(o, w.post_attention_norm, e, eps, c.norm_weight_plus_one, o);
    AddInPlace(s.x.data() + t * e, o, e);
  }
}

void Transformer::MlpLayer(int layer, int64_t m, ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t e = c.hidden_size, f = c.intermediate_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  const float* pre_norm = c.sandwich_norms ? w.pre_feedforward_norm : w.post_attention_norm;
  for (int64_t t = 0; t < m; ++t)
    RmsNorm(s.x.data() + t * e, pre_norm, e, eps, c.norm_weight_plus_one, s.h.data() + t * e);
  Linear(ctx, w.gate_proj, s.h.data(), m, s.gate.data());
  Linear(ctx, w.up_proj, s.h.data(), m, s.up.data());
  switch (c.activation) {
    case Activation::kSilu: SiluMul(s.gate.data(), s.up.data(), m * f); break;
    case Activation::kGeluTanh: GeluTanhMul(s.gate.data(), s.up.data(), m * f); break;
    case Activation::kGeluExact: GeluExactMul(s.gate.data(), s.up.data(), m * f); break;
  }
  Linear(ctx, w.down_proj, s.gate.data(), m, s.proj.data());
  for (int64_t t = 0; t < m; ++t) {
    float* o = s.proj.data() + t * e;
    if (c.sandwich_norms) RmsNorm(o, w.post_feedforward_norm, e, eps, c.norm_weight_plus_one, o);
    AddInPlace(s.x.data() + t * e, o, e);
  }
}

void Transformer::Forward(std::span<const TokenId> tokens, KvCache& cache,
                          std::span<const int> logit_rows, float* logits,
                          ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const int64_t m = static_cast<int64_t>(tokens.size());
  const int start = cache.num_tokens();
  const int64_t e = c.hidden_size;
  cache.Reserve(start + static_cast<int>(m));
  s.Reserve(c, m, cache.max_tokens(), ctx.num_threads());
  const float embed_scale = c.scale_embeddings ? std::sqrt(static_cast<float>(e)) : 1.0f;
  for (int64_t t = 0; t < m; ++t) {
    float* row = s.x.data() + t * e;
    MatrixRow(weights_.embedding, tokens[t], row);
    if (c.scale_embeddings)
      for (int64_t i = 0; i < e; ++i) row[i] *= embed_scale;
  }
  for (int l = 0; l < c.num_layers; ++l) {
    AttentionLayer(l, m, start, cache, s, ctx);
    MlpLayer(l, m, s, ctx);
  }
  cache.SetNumTokens(start + static_cast<int>(m));
  if (logit_rows.empty()) return;
  const float eps = static_cast<float>(c.rms_norm_eps);
  for (size_t j = 0; j < logit_rows.size(); ++j)
    RmsNorm(s.x.data() + int64_t{logit_rows[j]} * e, weights_.final_norm, e, eps,
            c.norm_weight_plus_one, s.logits_in.data() + static_cast<int64_t>(j) * e);
  const int64_t rows = static_cast<int64_t>(logit_rows.size());
  Linear(ctx, weights_.output, s.logits_in.data(), rows, logits);
  if (c.final_logit_softcapping)
    SoftCap(logits, rows * c.vocab_size, static_cast<float>(*c.final_logit_softcapping));
}

}  // namespace litertlm
