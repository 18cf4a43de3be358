// Transformer::DecodeBatch: one decode step for several sequences, each with its own KV cache.
// The projections and the MLP see an M-row activation matrix (M = sequences), exactly as a
// prefill chunk does, so they run through the same GEMM kernels; only RoPE positions, cache
// writes and attention are per row.
#include <algorithm>
#include <cmath>

#include "kernels/elementwise.h"
#include "model/transformer.h"

namespace litertlm {
namespace {

void AddBiasRows(float* y, const float* bias, int64_t m, int64_t n) {
  if (bias == nullptr) return;
  for (int64_t r = 0; r < m; ++r) AddInPlace(y + r * n, bias, n);
}

}  // namespace

void Transformer::BatchAttention(int layer, std::span<KvCache* const> caches, ForwardScratch& s,
                                 KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const int group = c.num_heads / c.num_kv_heads;
  const int64_t m = static_cast<int64_t>(caches.size());
  int64_t max_keys = 0, work = 0;
  for (KvCache* cache : caches) {
    const int64_t keys = cache->num_tokens() + 1;
    max_keys = std::max(max_keys, keys);
    work += int64_t{c.num_heads} * keys * 2 * c.head_dim;
  }
  // Items are (row, KV head, slice of its query heads), as in Attention() with one-query blocks.
  const int64_t pairs = m * c.num_kv_heads;
  const int64_t slices = std::min<int64_t>(group, (ctx.num_threads() + pairs - 1) / pairs);
  const int64_t heads_per_slice = (group + slices - 1) / slices;
  const int64_t items = pairs * slices;
  const int64_t parts = std::min<int64_t>({ctx.num_threads(), items, std::max<int64_t>(1, work >> 16)});
  const int64_t panel = heads_per_slice * max_keys;
  if (static_cast<int64_t>(s.scores.size()) < panel * parts) s.scores.resize(static_cast<size_t>(panel * parts));
  ctx.pool().ParallelFor(parts, [&](int64_t part_begin, int64_t part_end) {
    for (int64_t part = part_begin; part < part_end; ++part) {
      float* scores = s.scores.data() + part * panel;
      for (int64_t i = items * part / parts; i < items * (part + 1) / parts; ++i) {
        const int64_t t = i / (c.num_kv_heads * slices);
        const int kv_head = static_cast<int>(i / slices % c.num_kv_heads);
        const int g0 = static_cast<int>(i % slices * heads_per_slice);
        const int g1 = static_cast<int>(std::min<int64_t>(group, g0 + heads_per_slice));
        if (g0 >= g1) continue;
        // AttendBlock places query row t at position start + t: start = pos − t. A single query
        // takes the few-query path, which reads the cache in its own dtype (no widening tile).
        const KvCache& cache = *caches[t];
        const int start = cache.num_tokens() - static_cast<int>(t);
        AttendBlock(layer, t, t + 1, kv_head, g0, g1, start, cache, ctx.kernels(), s, scores);
      }
    }
  });
}

void Transformer::BatchAttentionLayer(int layer, std::span<KvCache* const> caches,
                                      ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const LayerWeights& w = weights_.layers[layer];
  const int64_t m = static_cast<int64_t>(caches.size());
  const int64_t e = c.hidden_size, d = c.head_dim;
  const int64_t qd = c.num_heads * d, kvd = c.num_kv_heads * d;
  const float eps = static_cast<float>(c.rms_norm_eps);
  for (int64_t t = 0; t < m; ++t)
    RmsNorm(s.x.data() + t * e, w.input_norm, e, eps, c.norm_weight_plus_one, s.h.data() + t * e);
  const Matrix* qkv[] = {&w.q_proj, &w.k_proj, &w.v_proj};
  float* qkv_out[] = {s.q.data(), s.k.data(), s.v.data()};
  LinearSameInput(ctx, qkv, s.h.data(), m, qkv_out);
  AddBiasRows(s.q.data(), w.q_bias, m, qd);
  AddBiasRows(s.k.data(), w.k_bias, m, kvd);
  AddBiasRows(s.v.data(), w.v_bias, m, kvd);
  const float* inv_freq = c.layer_sliding[layer] ? inv_freq_local_.data() : inv_freq_global_.data();
  std::vector<float> angles(static_cast<size_t>(d));
  for (int64_t t = 0; t < m; ++t) {
    PositionRow(layer, t, caches[t]->num_tokens(), inv_freq, *caches[t], s, angles.data());
  }
  BatchAttention(layer, caches, s, ctx);
  Linear(ctx, w.o_proj, s.attn.data(), m, s.proj.data());
  AddBiasRows(s.proj.data(), w.o_bias, m, e);
  for (int64_t t = 0; t < m; ++t) {
    float* o = s.proj.data() + t * e;
    if (c.sandwich_norms) RmsNorm(o, w.post_attention_norm, e, eps, c.norm_weight_plus_one, o);
    AddInPlace(s.x.data() + t * e, o, e);
  }
}

void Transformer::DecodeBatch(std::span<const TokenId> tokens, std::span<KvCache* const> caches,
                              float* logits, ForwardScratch& s, KernelContext& ctx) const {
  const ModelConfig& c = config_;
  const int64_t m = static_cast<int64_t>(tokens.size());
  const int64_t e = c.hidden_size;
  if (m == 0) return;
  if (weights_.xnnpack_float_ops) {  // Google's runtime decodes one sequence at a time
    for (int64_t t = 0; t < m; ++t) {
      const int row[] = {0};
      Forward(tokens.subspan(static_cast<size_t>(t), 1), *caches[static_cast<size_t>(t)], row,
              logits + t * c.vocab_size, s, ctx);
    }
    return;
  }
  for (KvCache* cache : caches) cache->Reserve(cache->num_tokens() + 1);
  s.Reserve(c, m);
  const float embed_scale = c.scale_embeddings ? std::sqrt(static_cast<float>(e)) : 1.0f;
  for (int64_t t = 0; t < m; ++t) {
    float* row = s.x.data() + t * e;
    MatrixRow(weights_.embedding, tokens[t], row);
    if (c.scale_embeddings)
      for (int64_t i = 0; i < e; ++i) row[i] *= embed_scale;
  }
  for (int l = 0; l < c.num_layers; ++l) {
    BatchAttentionLayer(l, caches, s, ctx);
    MlpLayer(l, m, s, ctx);
  }
  for (KvCache* cache : caches) cache->SetNumTokens(cache->num_tokens() + 1);
  const float eps = static_cast<float>(c.rms_norm_eps);
  for (int64_t t = 0; t < m; ++t)
    RmsNorm(s.x.data() + t * e, weights_.final_norm, e, eps, c.norm_weight_plus_one,
            s.logits_in.data() + t * e);
  Linear(ctx, weights_.output, s.logits_in.data(), m, logits);
  if (c.final_logit_softcapping)
    SoftCap(logits, m * c.vocab_size, static_cast<float>(*c.final_logit_softcapping));
}

}  // namespace litertlm
