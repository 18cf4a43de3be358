// The decoder-only transformer forward pass shared by every architecture; the differences
// (norm style, sandwich norms, embedding scale, sliding layers, soft-capping) come from
// ModelConfig flags.
#ifndef LITERTLM_MODEL_TRANSFORMER_H_
#define LITERTLM_MODEL_TRANSFORMER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "format/model_config.h"
#include "kernels/linear.h"
#include "litertlm/types.h"
#include "model/kv_cache.h"
#include "model/model_weights.h"

namespace litertlm {

// Scratch buffers for one forward call; reused across calls, grown as needed.
struct ForwardScratch {
  std::vector<float> x, h, q, k, v, attn, proj, gate, up, logits_in;
  std::vector<float> scores;  // per parallel attention part: scores panel + fp16 tile (Attention)
  void Reserve(const ModelConfig& c, int64_t m);
};

class Transformer {
 public:
  Transformer(const ModelConfig& config, const ModelWeights& weights);

  const ModelConfig& config() const { return config_; }

  // Runs `tokens` at positions [cache.num_tokens(), +tokens.size()) and appends their keys and
  // values to `cache`. For each i in `logit_rows` (indices into tokens, ascending) writes
  // vocab_size logits to logits + j·vocab (j = index within logit_rows). The caller checks
  // token ids and context length beforehand.
  // Matrix products and attention run on `ctx`'s threads.
  void Forward(std::span<const TokenId> tokens, KvCache& cache, std::span<const int> logit_rows,
               float* logits, ForwardScratch& scratch, KernelContext& ctx) const;

  // Forward in pieces, for a caller that holds one layer's weights at a time (the converter's
  // validation streams the fp32 source layer by layer). Same arithmetic as Forward, which is
  // Embed, every RunLayer, Logits. The hidden states of the m tokens are scratch.x (m × E).
  // Embed: scratch.x = the (scaled) embeddings of `tokens` (reserves scratch for them).
  void Embed(std::span<const TokenId> tokens, ForwardScratch& scratch) const;
  // Layer `layer` on scratch.x in place for positions [start, start + m); its keys and values go
  // to `cache` (reserved for start + m tokens by the caller). Reads weights.layers[layer] now.
  void RunLayer(int layer, int64_t m, int start, KvCache& cache, ForwardScratch& scratch,
                KernelContext& ctx) const;
  // Final norm and output projection of the rows `logit_rows` of scratch.x (as Forward).
  void Logits(std::span<const int> logit_rows, float* logits, ForwardScratch& scratch,
              KernelContext& ctx) const;
  // One decode step for several sequences at once (transformer_batch.cc): row i is tokens[i] at
  // position caches[i]->num_tokens() of its own cache, which gains that token. Every projection
  // is one matrix product over all rows (each weight read once per step, not once per
  // sequence); attention runs per row on its own cache. Writes rows × vocab_size logits. The
  // caller checks ids, context room, and that no cache appears twice.
  void DecodeBatch(std::span<const TokenId> tokens, std::span<KvCache* const> caches,
                   float* logits, ForwardScratch& scratch, KernelContext& ctx) const;

 private:
  // Queries [t0, t1) of query heads [g0, g1) of KV head `kv_head` (head index within the
  // group): scores, masked softmax and weighted values over the keys the block can see. A block
  // of several queries runs `kernels`' fused prefill attention, with `scratch` of
  // PrefillAttentionScratchFloats((g1 − g0) · (t1 − t0), head_dim) floats; one query (decode)
  // runs AttentionOps' few-query products, with `scratch` of (g1 − g0) × context floats.
  void AttendBlock(int layer, int64_t t0, int64_t t1, int kv_head, int g0, int g1, int start,
                   const KvCache& cache, const KernelTable& kernels, ForwardScratch& s,
                   float* scratch) const;
  void Attention(int layer, int64_t m, int start, const KvCache& cache, ForwardScratch& s,
                 KernelContext& ctx) const;
  void AttentionLayer(int layer, int64_t m, int start, KvCache& cache, ForwardScratch& s,
                      KernelContext& ctx) const;
  // Row t of a step, at position pos: its query and key heads' qk-norm and RoPE (one cos/sin
  // table, `angles`: head_dim floats of scratch), then its key and value into `cache`.
  void PositionRow(int layer, int64_t t, int pos, const float* inv_freq, KvCache& cache,
                   ForwardScratch& s, float* angles) const;
  void MlpLayer(int layer, int64_t m, ForwardScratch& s, KernelContext& ctx) const;
  // DecodeBatch's attention: one query per row, each on its own cache.
  void BatchAttentionLayer(int layer, std::span<KvCache* const> caches, ForwardScratch& s,
                           KernelContext& ctx) const;
  void BatchAttention(int layer, std::span<KvCache* const> caches, ForwardScratch& s,
                      KernelContext& ctx) const;
  // ModelWeights::xnnpack_float_ops (transformer_xnnpack.cc): the layer as the TFLite graph of
  // format/tflite_llm_writer.cc runs under XNNPACK, every fp32 op bit for bit
  // (kernels/xnnpack_float.h); the int8 projections are Linear's qd8 emulation.
  void XnnpackAttentionLayer(int layer, int64_t m, int start, KvCache& cache, ForwardScratch& s,
                             KernelContext& ctx) const;
  void XnnpackAttention(int layer, int64_t m, int start, const KvCache& cache, ForwardScratch& s,
                        KernelContext& ctx) const;
  void XnnpackMlpLayer(int layer, int64_t m, ForwardScratch& s, KernelContext& ctx) const;

  const ModelConfig& config_;
  const ModelWeights& weights_;
  std::vector<float> inv_freq_global_;
  std::vector<float> inv_freq_local_;
  // xnnpack_float_ops: the writer's RoPE frequencies (format::TfliteRopeInvFreq).
  std::vector<float> tflite_inv_freq_global_;
  std::vector<float> tflite_inv_freq_local_;
};

}  // namespace litertlm

#endif  // LITERTLM_MODEL_TRANSFORMER_H_
