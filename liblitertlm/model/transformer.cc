#include "model/transformer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "format/tflite_llm_writer.h"
#include "kernels/attention_ops.h"
#include "kernels/elementwise.h"
#include "kernels/kernel_table.h"
#include "kernels/linear.h"
#include "kernels/prefill_attention.h"
#include "kernels/xnnpack_float.h"
#include "model/for_rows.h"

namespace litertlm {
namespace {

// Attention runs per (query block, KV head) over blocks of kQueryBlock queries: the query heads
// that share the KV head are stacked, and the fused prefill kernel (kernels/prefill_attention.h,
// per ISA through the kernel table) walks the keys the block sees in tiles (scores, online
// softmax, weighted values; no scores panel), reading an fp16 or int8 cache in its own dtype.
// Below kMinBlockedQueries queries (decode) every query is its own block: the query heads that
// share a KV head form one small matrix, and AttentionOps' few-query kernels read each key and
// value row once for the whole GQA group, straight from the cache in its dtype.
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kMinBlockedQueries = 16;

// Decode: scores[r·keys + j] = scale · q_r · key_{lo + j} for the `rows` query heads at q
// (stride d) that share `kv_head`, from the cache in its dtype.
void FewQueryScores(const KvCache& cache, int layer, int kv_head, int lo, const float* q, int rows,
                    int64_t keys, float scale, float* scores) {
  const AttentionOps& ops = ActiveAttentionOps();
  const int d = cache.head_dim();
  switch (cache.dtype()) {
    case KvDType::kF32:
      ops.scores_f32(q, d, rows, cache.KeyF32(layer, kv_head, lo), d, keys, d, scale, scores, keys);
      break;
    case KvDType::kF16:
      ops.scores_f16(q, d, rows, cache.KeyF16(layer, kv_head, lo), d, keys, d, scale, scores, keys);
      break;
    case KvDType::kQ8:
      ops.scores_q8(q, d, rows, cache.KeyQ8(layer, kv_head, lo),
                    cache.KeyScales(layer, kv_head, lo), keys, d, cache.q8_block(), scale, scores,
                    keys);
      break;
  }
}

// Decode: out_r = Σ_j p[r·keys + j] · value_{lo + j} (out: rows × d, stride d, overwritten).
void FewQueryAccumulate(const KvCache& cache, int layer, int kv_head, int lo, const float* p,
                        int rows, int64_t keys, float* out) {
  const AttentionOps& ops = ActiveAttentionOps();
  const int d = cache.head_dim();
  std::fill(out, out + int64_t{rows} * d, 0.0f);
  switch (cache.dtype()) {
    case KvDType::kF32:
      ops.accumulate_f32(p, keys, rows, cache.ValueF32(layer, kv_head, lo), d, keys, d, out, d);
      break;
    case KvDType::kF16:
      ops.accumulate_f16(p, keys, rows, cache.ValueF16(layer, kv_head, lo), d, keys, d, out, d);
      break;
    case KvDType::kQ8:
      ops.accumulate_q8(p, keys, rows, cache.ValueQ8(layer, kv_head, lo),
                        cache.ValueScales(layer, kv_head, lo), keys, d, cache.q8_block(), out, d);
      break;
  }
}

// inv_freq[i] = 1 / theta^(2i/d) / factor, computed in fp32 as transformers does.
std::vector<float> InvFreq(const RopeConfig& rope, int d) {
  std::vector<float> f(d / 2);
  for (int i = 0; i < d / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(d);
    f[i] = 1.0f / std::pow(static_cast<float>(rope.theta), exponent) /
           static_cast<float>(rope.linear_factor);
    if (rope.llama3) f[i] = Llama3ScaledInvFreq(*rope.llama3, f[i]);
    if (!rope.freq_factors.empty()) f[i] /= rope.freq_factors[i];
  }
  return f;
}

void AddBias(float* y, const float* bias, int64_t m, int64_t n) {
  if (bias == nullptr) return;
  for (int64_t r = 0; r < m; ++r) AddInPlace(y + r * n, bias, n);
}

}  // namespace

void ForwardScratch::Reserve(const ModelConfig& c, int64_t m) {
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
  grow(logits_in, m * e);
}

Transformer::Transformer(const ModelConfig& config, const ModelWeights& weights)
    : config_(config),
      weights_(weights),
      inv_freq_global_(InvFreq(config.rope_global, config.head_dim)),
      inv_freq_local_(InvFreq(config.rope_local, config.head_dim)) {
  if (weights.xnnpack_float_ops) {
    tflite_inv_freq_global_ = format::TfliteRopeInvFreq(config.rope_global, config.head_dim);
    tflite_inv_freq_local_ = format::TfliteRopeInvFreq(config.rope_local, config.head_dim);
  }
}

void Transformer::AttendBlock(int layer, int64_t t0, int64_t t1, int kv_head, int g0, int g1,
                              int start, const KvCache& cache, const KernelTable& kernels,
                              ForwardScratch& s, float* scratch) const {
  const ModelConfig& c = config_;
  const int d = c.head_dim, group = c.num_heads / c.num_kv_heads;
  const int64_t qd = int64_t{c.num_heads} * d;
  const int first = start + static_cast<int>(t0), last = start + static_cast<int>(t1) - 1;
  const bool sliding = c.layer_sliding[layer];
  const int lo = sliding ? std::max(0, first - c.sliding_window + 1) : 0;
  const int64_t keys = last - lo + 1;
  const int64_t head0 = t0 * qd + (int64_t{kv_head} * group + g0) * d;
  const float scale = static_cast<float>(c.attention_scale);
  const float softcap =
      c.attn_logit_softcapping ? static_cast<float>(*c.attn_logit_softcapping) : 0.0f;
  if (t1 - t0 > 1) {  // a block of queries: the fused kernel, heads g0..g1 stacked
    PrefillAttentionArgs a;
    a.q = s.q.data() + head0;
    a.ldq = qd;
    a.heads = g1 - g0;
    a.queries = t1 - t0;
    a.d = d;
    a.first_pos = first;
    a.kv_begin = lo;
    a.kv_rows = keys;
    switch (cache.dtype()) {
      case KvDType::kF32:
        a.kv_type = AttentionKvType::kF32;
        a.k = cache.KeyF32(layer, kv_head, lo);
        a.v = cache.ValueF32(layer, kv_head, lo);
        break;
      case KvDType::kF16:
        a.kv_type = AttentionKvType::kF16;
        a.k = cache.KeyF16(layer, kv_head, lo);
        a.v = cache.ValueF16(layer, kv_head, lo);
        break;
      case KvDType::kQ8:
        a.kv_type = AttentionKvType::kQ8;
        a.k = cache.KeyQ8(layer, kv_head, lo);
        a.v = cache.ValueQ8(layer, kv_head, lo);
        a.k_scales = cache.KeyScales(layer, kv_head, lo);
        a.v_scales = cache.ValueScales(layer, kv_head, lo);
        a.q8_block = cache.q8_block();
        break;
    }
    a.window = sliding ? c.sliding_window : 0;
    a.scale = scale;
    a.softcap = softcap;
    a.out = s.attn.data() + head0;
    a.ldo = qd;
    a.scratch = scratch;
    kernels.prefill_attention(a);
    return;
  }
  // One query (decode): its heads g0..g1 are adjacent in s.q (stride d) and form one matrix;
  // AttentionOps' few-query products read the cache in its dtype.
  const int rows = g1 - g0;
  float* scores = scratch;
  FewQueryScores(cache, layer, kv_head, lo, s.q.data() + head0, rows, keys, scale, scores);
  for (int r = 0; r < rows; ++r) {
    float* row = scores + r * keys;
    if (softcap > 0.0f) {
      for (int64_t j = 0; j < keys; ++j) row[j] = std::tanh(row[j] / softcap) * softcap;
    }
    SoftmaxInPlace(row, keys);
  }
  FewQueryAccumulate(cache, layer, kv_head, lo, scores, rows, keys, s.attn.data() + head0);
}

void Transformer::Attention(int layer, int64_t m, int start, const KvCache& cache,
                            ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const int group = c.num_heads / c.num_kv_heads;
  const int64_t block = m >= kMinBlockedQueries ? kQueryBlock : 1;
  const int64_t blocks = (m + block - 1) / block;
  // Items are (query block, KV head, slice of its query heads). A KV head's heads stay together
  // (one pass over its keys and values) unless there are fewer (block, KV head) pairs than
  // threads: then the group is sliced so that every thread has work.
  const int64_t pairs = blocks * c.num_kv_heads;
  const int64_t slices =
      std::min<int64_t>(group, (ctx.num_threads() + pairs - 1) / pairs);
  const int64_t heads_per_slice = (group + slices - 1) / slices;
  const int64_t items = pairs * slices;
  // Roughly 2·d multiply-adds per (query, head, key) for each product; small problems stay on
  // this thread.
  const int64_t work = m * c.num_heads * (start + m) * 2 * c.head_dim;
  const int64_t parts =
      std::min<int64_t>({ctx.num_threads(), items, std::max<int64_t>(1, work >> 16)});
  // Per part: the fused kernel's scratch for a block of queries, else one query's scores.
  const int64_t per_part = block > 1
                               ? PrefillAttentionScratchFloats(heads_per_slice * block, c.head_dim)
                               : heads_per_slice * (start + m);
  if (static_cast<int64_t>(s.scores.size()) < per_part * parts) {
    s.scores.resize(static_cast<size_t>(per_part * parts));
  }
  // Later query blocks see more keys (causal), so the items are dealt to the parts in a snake
  // order (0, 1, …, parts−1, parts−1, …, 0, …) rather than in contiguous runs, which gave the
  // last part most of the work at 512 tokens (measured ~10:26 between two parts).
  ctx.pool().ParallelFor(parts, [&](int64_t part_begin, int64_t part_end) {
    for (int64_t part = part_begin; part < part_end; ++part) {
      float* scratch = s.scores.data() + part * per_part;
      for (int64_t round = 0; round * parts < items; ++round) {
        const int64_t i = round * parts + (round % 2 == 0 ? part : parts - 1 - part);
        if (i >= items) continue;
        const int64_t b = i / (c.num_kv_heads * slices);
        const int kv_head = static_cast<int>(i / slices % c.num_kv_heads);
        const int g0 = static_cast<int>(i % slices * heads_per_slice);
        const int g1 = static_cast<int>(std::min<int64_t>(group, g0 + heads_per_slice));
        if (g0 >= g1) continue;
        AttendBlock(layer, b * block, std::min(m, (b + 1) * block), kv_head, g0, g1, start, cache,
                    ctx.kernels(), s, scratch);
      }
    }
  });
}

void Transformer::PositionRow(int layer, int64_t t, int pos, const float* inv_freq,
                              KvCache& cache, ForwardScratch& s, float* angles) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t d = c.head_dim, qd = c.num_heads * d, kvd = c.num_kv_heads * d;
  const float eps = static_cast<float>(c.rms_norm_eps);
  float* const cos = angles;
  float* const sin = angles + d / 2;
  RopeAngles(d, pos, inv_freq, cos, sin);  // one position's cos/sin serve all of its heads
  for (int h = 0; h < c.num_heads; ++h) {
    float* q = s.q.data() + t * qd + h * d;
    if (c.qk_norm) RmsNorm(q, w.q_norm, d, eps, c.norm_weight_plus_one, q);
    ApplyRopeAngles(q, d, cos, sin);
  }
  for (int h = 0; h < c.num_kv_heads; ++h) {
    float* k = s.k.data() + t * kvd + h * d;
    if (c.qk_norm) RmsNorm(k, w.k_norm, d, eps, c.norm_weight_plus_one, k);
    ApplyRopeAngles(k, d, cos, sin);
  }
  cache.Write(layer, pos, s.k.data() + t * kvd, s.v.data() + t * kvd);
}

void Transformer::AttentionLayer(int layer, int64_t m, int start, KvCache& cache,
                                 ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t e = c.hidden_size, d = c.head_dim;
  const int64_t qd = c.num_heads * d, kvd = c.num_kv_heads * d;
  const float eps = static_cast<float>(c.rms_norm_eps);
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      RmsNorm(s.x.data() + t * e, w.input_norm, e, eps, c.norm_weight_plus_one, s.h.data() + t * e);
  });
  const Matrix* qkv[] = {&w.q_proj, &w.k_proj, &w.v_proj};
  float* qkv_out[] = {s.q.data(), s.k.data(), s.v.data()};
  LinearSameInput(ctx, qkv, s.h.data(), m, qkv_out);
  AddBias(s.q.data(), w.q_bias, m, qd);
  AddBias(s.k.data(), w.k_bias, m, kvd);
  AddBias(s.v.data(), w.v_bias, m, kvd);
  const float* inv_freq = c.layer_sliding[layer] ? inv_freq_local_.data() : inv_freq_global_.data();
  // Cache writes of distinct positions touch distinct memory, so rows may run in parallel.
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    std::vector<float> angles(static_cast<size_t>(d));
    for (int64_t t = t0; t < t1; ++t) {
      PositionRow(layer, t, start + static_cast<int>(t), inv_freq, cache, s, angles.data());
    }
  });
  Attention(layer, m, start, cache, s, ctx);
  Linear(ctx, w.o_proj, s.attn.data(), m, s.proj.data());
  AddBias(s.proj.data(), w.o_bias, m, e);
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* o = s.proj.data() + t * e;
      if (c.sandwich_norms) RmsNorm(o, w.post_attention_norm, e, eps, c.norm_weight_plus_one, o);
      AddInPlace(s.x.data() + t * e, o, e);
    }
  });
}

void Transformer::MlpLayer(int layer, int64_t m, ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t e = c.hidden_size, f = c.intermediate_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  const float* pre_norm = c.sandwich_norms ? w.pre_feedforward_norm : w.post_attention_norm;
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      RmsNorm(s.x.data() + t * e, pre_norm, e, eps, c.norm_weight_plus_one, s.h.data() + t * e);
  });
  const Matrix* gate_up[] = {&w.gate_proj, &w.up_proj};
  float* gate_up_out[] = {s.gate.data(), s.up.data()};
  LinearSameInput(ctx, gate_up, s.h.data(), m, gate_up_out);
  // The gated activation over the flat m·f values, in pieces of whole 64-value blocks so that
  // every value takes the same (vector or tail) path as in one call over all of them.
  const int64_t total = m * f, blocks = (total + 63) / 64;
  ForRows(ctx, m < kMinParallelRows ? 1 : blocks, [&](int64_t b0, int64_t b1) {
    const int64_t from = m < kMinParallelRows ? 0 : b0 * 64;
    const int64_t to = m < kMinParallelRows ? total : std::min(total, b1 * 64);
    float* g = s.gate.data() + from;
    const float* u = s.up.data() + from;
    switch (c.activation) {
      case Activation::kSilu: SiluMul(g, u, to - from); break;
      case Activation::kGeluTanh: GeluTanhMul(g, u, to - from); break;
      case Activation::kGeluExact: GeluExactMul(g, u, to - from); break;
    }
  });
  Linear(ctx, w.down_proj, s.gate.data(), m, s.proj.data());
  ForRows(ctx, m, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* o = s.proj.data() + t * e;
      if (c.sandwich_norms) RmsNorm(o, w.post_feedforward_norm, e, eps, c.norm_weight_plus_one, o);
      AddInPlace(s.x.data() + t * e, o, e);
    }
  });
}

void Transformer::Embed(std::span<const TokenId> tokens, ForwardScratch& s) const {
  const ModelConfig& c = config_;
  const int64_t m = static_cast<int64_t>(tokens.size());
  const int64_t e = c.hidden_size;
  s.Reserve(c, m);
  // The TFLite graph multiplies by the writer's constant, sqrt computed in double.
  const float embed_scale =
      !c.scale_embeddings        ? 1.0f
      : weights_.xnnpack_float_ops ? static_cast<float>(std::sqrt(static_cast<double>(e)))
                                   : std::sqrt(static_cast<float>(e));
  for (int64_t t = 0; t < m; ++t) {
    float* row = s.x.data() + t * e;
    MatrixRow(weights_.embedding, tokens[t], row);
    if (c.scale_embeddings)
      for (int64_t i = 0; i < e; ++i) row[i] *= embed_scale;
  }
}

void Transformer::RunLayer(int layer, int64_t m, int start, KvCache& cache, ForwardScratch& s,
                           KernelContext& ctx) const {
  if (weights_.xnnpack_float_ops) {
    XnnpackAttentionLayer(layer, m, start, cache, s, ctx);
    XnnpackMlpLayer(layer, m, s, ctx);
    return;
  }
  AttentionLayer(layer, m, start, cache, s, ctx);
  MlpLayer(layer, m, s, ctx);
}

void Transformer::Logits(std::span<const int> logit_rows, float* logits, ForwardScratch& s,
                         KernelContext& ctx) const {
  const ModelConfig& c = config_;
  if (logit_rows.empty()) return;
  const int64_t e = c.hidden_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  for (size_t j = 0; j < logit_rows.size(); ++j) {
    const float* x = s.x.data() + int64_t{logit_rows[j]} * e;
    float* out = s.logits_in.data() + static_cast<int64_t>(j) * e;
    if (weights_.xnnpack_float_ops) {
      xnnpack_float::RmsNorm(x, weights_.final_norm, e, eps, c.norm_weight_plus_one, out);
    } else {
      RmsNorm(x, weights_.final_norm, e, eps, c.norm_weight_plus_one, out);
    }
  }
  const int64_t rows = static_cast<int64_t>(logit_rows.size());
  Linear(ctx, weights_.output, s.logits_in.data(), rows, logits);
  if (c.final_logit_softcapping) {
    const float cap = static_cast<float>(*c.final_logit_softcapping);
    if (weights_.xnnpack_float_ops) {
      xnnpack_float::SoftCap(logits, rows * c.vocab_size, cap);
    } else {
      SoftCap(logits, rows * c.vocab_size, cap);
    }
  }
}

void Transformer::Forward(std::span<const TokenId> tokens, KvCache& cache,
                          std::span<const int> logit_rows, float* logits,
                          ForwardScratch& s, KernelContext& ctx) const {
  const int64_t m = static_cast<int64_t>(tokens.size());
  const int start = cache.num_tokens();
  cache.Reserve(start + static_cast<int>(m));
  Embed(tokens, s);
  for (int l = 0; l < config_.num_layers; ++l) RunLayer(l, m, start, cache, s, ctx);
  cache.SetNumTokens(start + static_cast<int>(m));
  Logits(logit_rows, logits, s, ctx);
}

}  // namespace litertlm
