// Writes a decoder-only LLM as the TensorFlow Lite model Google's LiteRT-LM runtime executes, with
// the conventions of litert-torch's `export_hf` files (what tflite_importer.h reads back):
//   - signatures `prefill_<T>` (one per prefill length) and `decode` (T = 1), each a subgraph of
//     its own over the same constant buffers;
//   - inputs `tokens` int32 [1,T], `input_pos` int32 [T], `mask` fp32 [1,1,T,L] (added to the
//     scores), per layer `kv_cache_k_<i>` fp32 [1,KV,L,D] and `kv_cache_v_<i>` fp32 [1,KV,D,L]
//     (V transposed); outputs the updated caches under the same names and, from `decode` only,
//     `logits` fp32 [1,1,vocab];
//   - ops: EMBEDDING_LOOKUP, FULLY_CONNECTED (keep_num_dims), STABLEHLO_COMPOSITE "odml.rms_norm"
//     (attribute epsilon; decomposition MUL/MEAN/ADD/RSQRT/MUL/MUL), RoPE from input_pos
//     (CAST, MUL by the inverse frequencies, CONCATENATION, COS, SIN, SLICE, rotate-half),
//     DYNAMIC_UPDATE_SLICE into the caches at input_pos[0], BATCH_MATMUL (adj_y) q·Kᵀ and p·Vᵀ with
//     the query heads grouped per KV head, ADD mask, SOFTMAX, LOGISTIC·MUL (SiLU) MLP.
//   - weights: int8 per output channel (symmetric, zero point 0, fp32 scales; Google's
//     dynamic_wi8_afp32 recipe: activations stay fp32), int4 block-wise (ai_edge_quantizer's
//     dynamic_wi4b32_afp32 / the classic converters' dynamic_int4_block32 and _block128: INT4
//     nibbles with BlockwiseQuantization and FLOAT16 scales [rows, cols / block]; the embedding and LM
//     head too with int4_embedding, else int8 per channel), fp16 (FLOAT16 constants each widened to fp32 by a DEQUANTIZE before the
//     EMBEDDING_LOOKUP / FULLY_CONNECTED, as ai_edge_quantizer's float_casting writes them), or
//     fp32. The tied LM head shares the embedding table's buffer.
// Supported families: Qwen 3 and Gemma 3 (its embedding scale, sandwich norms with 1 + w folded in,
// GELU-tanh MLP, local/global RoPE tables, and the sliding-window mask built from input_pos as
// export_hf does: SUB/GREATER/ADD/LESS/LOGICAL_AND/SELECT_V2 of -10000, added to `mask`; a final
// logit soft-cap, when config.json has one, as DIV/TANH/MUL after the LM head).
#ifndef LITERTLM_FORMAT_TFLITE_LLM_WRITER_H_
#define LITERTLM_FORMAT_TFLITE_LLM_WRITER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "litertlm/status.h"
#include "format/model_config.h"
#include "format/tflite_graph_builder.h"

namespace litertlm::format {

// How the projection and embedding matrices are stored (norms and other constants stay fp32).
enum class TfliteWeights {
  kFp32,
  kFp16,         // FLOAT16 constants widened by DEQUANTIZE (ai_edge_quantizer's float_casting)
  kInt8,         // per output channel, fp32 scales
  kInt4Block32,  // symmetric int4 in blocks of 32 inputs, fp16 scale per block
  kInt4Block128,
};

// An int4 matrix whose input count is not a multiple of this is stored as int8 per channel
// instead (ai_edge_quantizer refuses a block that does not divide it; liblitertlm's int4 kernels
// need whole groups of 128 inputs).
inline constexpr int kTfliteInt4Group = 128;

// The inverse RoPE frequencies of the writer's tables (1 / theta^(2i/D) / factor in double, then
// Llama 3 scaling and frequency factors in fp32), or rope.inv_freq as given when it is set (a
// Google-made file's own constants): D / 2 values. A runtime reproducing the graph's
// arithmetic (kernels/xnnpack_float.h) multiplies the position by these.
std::vector<float> TfliteRopeInvFreq(const RopeConfig& rope, int head_dim);

struct TfliteLlmOptions {
  TfliteWeights weights = TfliteWeights::kInt8;
  std::vector<int> prefill_lengths;  // each becomes signature prefill_<T>; at least one
  int kv_cache_len = 0;              // L: the caches' length (the longest context)
  bool int4_embedding = false;       // int4 weights: the embedding / LM head too (else int8 per channel)
  std::string spill_dir;             // non-empty: weights wait in a scratch file there, not in memory
  // Called after each source tensor is stored, with its name and the bytes of weights stored so
  // far; an error (e.g. CANCELLED) stops the write and is returned. May be empty.
  std::function<Status(const std::string& name, uint64_t stored_bytes)> on_stored;
};

// fp32 values (row-major, HF layout [out, in] for projections) of Hugging Face tensor `name`.
using FloatTensorFn = std::function<StatusOr<std::vector<float>>(const std::string& name)>;

// OK when this writer writes `config` (a Qwen 3 or Gemma 3 model in the shapes above) with
// `options`; otherwise an error saying what it does not write (INVALID_ARGUMENT for options out
// of range, UNIMPLEMENTED for a model it does not handle).
Status CheckTfliteLlm(const ModelConfig& config, const TfliteLlmOptions& options);

// What WriteTfliteLlm stored.
struct TfliteLlmWritten {
  int int4_fallback_tensors = 0;  // int4 asked for, stored as int8 per channel (see kTfliteInt4Group)
};

// The whole TFLite model (FlatBuffer + trailing aligned buffers), handed to `sink` in order.
// Errors name the option or tensor at fault. `written` (may be null) receives what was stored.
Status WriteTfliteLlm(const ModelConfig& config, const FloatTensorFn& weights, const TfliteLlmOptions& options,
                      const ByteSink& sink, TfliteLlmWritten* written = nullptr);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_TFLITE_LLM_WRITER_H_
