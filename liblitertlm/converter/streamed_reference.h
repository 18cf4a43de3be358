// The fp32 reference of a conversion's validation, computed one layer at a time: every prompt's
// hidden states go through layer 0, then layer 1, ... with only that layer's weights built
// (widened to fp32) and the source's pages of the layers before it dropped again. Peak memory is
// the embedding/output in fp32 plus one layer, not the whole fp32 model (Qwen3-4B: ~20 GB), so
// a 4B conversion fits a 16 GB machine. Same arithmetic as a Session's prefill (Transformer's
// Embed / RunLayer / Logits in chunks of 128 tokens, fp32 KV cache).
#ifndef LITERTLM_CONVERTER_STREAMED_REFERENCE_H_
#define LITERTLM_CONVERTER_STREAMED_REFERENCE_H_

#include <vector>

#include "format/model_config.h"
#include "format/weight_source.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm {
class GgufWeightSource;
}  // namespace litertlm

namespace litertlm::converter {

// Every position's logits for each prompt, as RunPrompts (validation.h) on the fp32 source:
// result[p] is prompts[p].size() × vocab, row-major. `gguf` (may be null) is `source` when it is
// a GGUF file: its dequantized tensors are released after their layer.
StatusOr<std::vector<std::vector<float>>> RunPromptsLayerByLayer(
    const ModelConfig& config, const WeightSource& source, GgufWeightSource* gguf,
    const std::vector<std::vector<TokenId>>& prompts, int num_threads);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_STREAMED_REFERENCE_H_
