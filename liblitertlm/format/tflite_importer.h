// Imports the weights and hyper-parameters of a Google-made LLM TFLite model (litert-torch's
// `export_hf` and its classic per-model converters: Gemma 3, Qwen 3) into liblitertlm's own
// layout: Hugging Face tensor names and a ModelConfig, so the shared transformer runs it with our
// kernels. Nothing is executed from the graph; it is read.
//
// Weight tensor names in such files are compiler-made, so every weight is identified by its place
// in the graph of the `decode` signature:
//   - KV caches: signature inputs kv_cache_k_<i> [1, KV, len, D] / kv_cache_v_<i> [1, KV, D, len];
//     the FULLY_CONNECTED whose output reaches the DYNAMIC_UPDATE_SLICE of kv_cache_k_<i> is layer
//     i's k_proj (v likewise; one reaching both is a fused QKV projection, split by rows q|k|v);
//   - q_proj: the other projection of the same normed input; o_proj: the FULLY_CONNECTED fed by the
//     BATCH_MATMUL over kv_cache_v_<i>; gate/up/down: the FULLY_CONNECTEDs between layer i's o_proj
//     and layer i+1 (gate is the one feeding GELU / LOGISTIC);
//   - norms: STABLEHLO_COMPOSITE "odml.rms_norm" (epsilon from its attributes), by what they feed
//     or read: the input norm feeds q, the pre-MLP norm feeds gate, q/k norms read q/k, Gemma's
//     post-attention / post-MLP norms read o / down, the final norm feeds the LM head;
//   - embedding: EMBEDDING_LOOKUP's table; the LM head is the FULLY_CONNECTED producing `logits`
//     (tied when it shares the table's buffer).
// Graph constants give the rest: RoPE inverse frequencies (MUL feeding COS) → base and linear
// factor, the query scale (MUL before the q·k BATCH_MATMUL), the sliding window (the SUB on
// input_pos in a layer's mask: ADD(window, mask) in export_hf files, MINIMUM(mask, window) in
// convert_gemma3_to_tflite's, whose grouped-query scores pass through RESHAPEs to and from the
// mask ADD), Gemma's embedding scale, a final logit soft-cap (MUL(TANH(DIV(
// head, cap)), cap) between the LM head and `logits`). The norm weights in these files already
// include Gemma's 1 + w, so the config says norm_weight_plus_one = false.
//
// int8 weights (dynamic range: per-output-channel fp32 scales, zero point 0) become kI8 views of
// the mapped bytes; fp32 / fp16 weights are viewed as they are. int4 weights (ai_edge_quantizer's
// blockwise recipes: TFLite INT4 nibbles with a BlockwiseQuantization table pointing at FLOAT16
// block scales; or per-channel int4) are re-laid out exactly into kI4Block32 / kI4Block128 copies. Anything else (an op the importer
// does not know, a missing signature, a bias, a per-tensor scale) is an error naming the op,
// signature or tensor.
#ifndef LITERTLM_FORMAT_TFLITE_IMPORTER_H_
#define LITERTLM_FORMAT_TFLITE_IMPORTER_H_

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "format/tflite_model.h"
#include "litertlm/status.h"
#include "format/model_config.h"
#include "format/model_family.h"
#include "tensor/tensor_view.h"

namespace litertlm::format {

struct TfliteImport {
  ModelConfig config;
  std::map<std::string, TensorView> tensors;  // Hugging Face names → views into the model bytes
  // "int4_block<B>" (B = the file's block size, 0 = per channel) when any weight is INT4, else
  // "int8" (dynamic range) or "fp32" / "fp16".
  std::string quantization;
  bool int8_weights = false;                  // some weight is INT8 (dynamic range)
  bool int4_weights = false;                  // some weight is INT4 (re-laid out, see below)
  int kv_cache_len = 0;                       // the signatures' KV cache length
  std::vector<std::unique_ptr<float[]>> owned;  // int8 scales (copied out of the FlatBuffer), int4 block scales
  std::vector<std::unique_ptr<uint8_t[]>> owned_bytes;  // int4 weights in our kI4Block* layout
};

// The parts of `model` (the bytes `import` was made from) that no view of `import` points into, in
// order: the FlatBuffer itself (graph tables and each signature's quantization vectors: int8 scales
// are copied out and the int64 zero points are not needed; 14 MB of a 613 MB Qwen3-0.6B file,
// 13 MB of it resident after the verifier and the import read it), the INT4 weights that were
// re-laid out, constants of other signatures, padding. Nothing reads them after the import, so a
// loader drops their resident pages (TfliteWeightSource does): the file then costs what our own
// format does (benchmarks/RESULTS.md, issue 16).
std::vector<std::span<const uint8_t>> UnreferencedRanges(const TfliteImport& import,
                                                         std::span<const uint8_t> model);

// `family_hint`: the family from LlmMetadata's llm_model_type when the file has one; nullptr lets
// the graph decide: the first family the TFLite writer writes whose sandwich_norms the graph's
// norms match (model_family.h).
StatusOr<std::unique_ptr<TfliteImport>> ImportTfliteLlm(const TfliteModel& model,
                                                        const ModelFamily* family_hint);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_TFLITE_IMPORTER_H_
