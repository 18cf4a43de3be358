#include "converter/streamed_reference.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "format/gguf_weight_source.h"
#include "kernels/linear.h"
#include "model/kv_cache.h"
#include "model/model_weights.h"
#include "model/tensor_table.h"
#include "model/transformer.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

// As the session's prefill (session/context_state.cc): tokens go through in chunks of this many.
constexpr int64_t kChunk = 128;

// Hidden states of one prompt between layers: tokens × hidden_size.
struct PromptState {
  std::vector<float> hidden;
  int64_t tokens = 0;
};

// Runs `fn(begin, n)` for each chunk of a prompt, with the chunk's hidden rows in scratch.x and
// written back afterwards.
template <typename Fn>
void ForEachChunk(PromptState& p, int64_t e, ForwardScratch& s, const ModelConfig& c, Fn fn) {
  for (int64_t begin = 0; begin < p.tokens; begin += kChunk) {
    const int64_t n = std::min(kChunk, p.tokens - begin);
    s.Reserve(c, n);
    float* rows = p.hidden.data() + begin * e;
    std::copy(rows, rows + n * e, s.x.begin());
    fn(begin, n);
    std::copy(s.x.begin(), s.x.begin() + n * e, rows);
  }
}

// The source is done with layer `l`: mapped pages dropped, GGUF dequantized copies freed.
void ReleaseLayer(const ModelConfig& config, const WeightSource& source, GgufWeightSource* gguf,
                  int l) {
  const std::string prefix = LayerTensorName(l, "");
  for (const TensorSpec& spec : ExpectedTensors(config)) {
    if (spec.name.rfind(prefix, 0) != 0) continue;
    if (gguf != nullptr) {
      gguf->Release(spec.name);
    } else {
      source.DropPages(spec.name);
    }
  }
}

}  // namespace

StatusOr<std::vector<std::vector<float>>> RunPromptsLayerByLayer(
    const ModelConfig& config, const WeightSource& source, GgufWeightSource* gguf,
    const std::vector<std::vector<TokenId>>& prompts, int num_threads) {
  const int64_t e = config.hidden_size;
  WeightLoadOptions globals_only;
  globals_only.end_layer = 0;
  ASSIGN_OR_RETURN(std::unique_ptr<ModelWeights> globals,
                   LoadModelWeights(config, source, globals_only));
  ModelWeights view;  // what the transformer reads: the globals and the one layer built
  view.embedding = globals->embedding;
  view.output = globals->output;
  view.final_norm = globals->final_norm;
  view.layers.resize(config.num_layers);
  const Transformer transformer(config, view);
  KernelContext ctx(num_threads);
  ForwardScratch scratch;

  std::vector<PromptState> states(prompts.size());
  int max_tokens = 1;
  for (size_t p = 0; p < prompts.size(); ++p) {
    PromptState& st = states[p];
    st.tokens = static_cast<int64_t>(prompts[p].size());
    st.hidden.resize(static_cast<size_t>(st.tokens * e));
    max_tokens = std::max(max_tokens, static_cast<int>(st.tokens));
    for (int64_t begin = 0; begin < st.tokens; begin += kChunk) {
      const int64_t n = std::min(kChunk, st.tokens - begin);
      transformer.Embed(std::span<const TokenId>(prompts[p]).subspan(begin, n), scratch);
      std::copy(scratch.x.begin(), scratch.x.begin() + n * e, st.hidden.begin() + begin * e);
    }
  }
  KvCache cache(config.num_layers, config.num_kv_heads, config.head_dim, max_tokens);
  for (int l = 0; l < config.num_layers; ++l) {
    WeightLoadOptions one_layer;
    one_layer.globals = false;
    one_layer.first_layer = l;
    one_layer.end_layer = l + 1;
    ASSIGN_OR_RETURN(std::unique_ptr<ModelWeights> layer,
                     LoadModelWeights(config, source, one_layer));
    view.layers[l] = layer->layers[l];
    for (PromptState& st : states) {
      cache.Reserve(static_cast<int>(st.tokens));
      ForEachChunk(st, e, scratch, config, [&](int64_t begin, int64_t n) {
        transformer.RunLayer(l, n, static_cast<int>(begin), cache, scratch, ctx);
      });
    }
    view.layers[l] = LayerWeights{};
    layer.reset();
    ReleaseLayer(config, source, gguf, l);
  }

  std::vector<std::vector<float>> logits(prompts.size());
  std::vector<int> rows;
  for (size_t p = 0; p < prompts.size(); ++p) {
    logits[p].resize(static_cast<size_t>(states[p].tokens) * config.vocab_size);
    ForEachChunk(states[p], e, scratch, config, [&](int64_t begin, int64_t n) {
      rows.resize(static_cast<size_t>(n));
      std::iota(rows.begin(), rows.end(), 0);
      transformer.Logits(rows, logits[p].data() + begin * config.vocab_size, scratch, ctx);
    });
  }
  return logits;
}

}  // namespace litertlm::converter
