// The weights of one model in compute form: projections as kernel Matrices (zero-copy views of
// the mapped file where the stored type is directly usable), norms and biases as fp32 vectors.
#ifndef LITERTLM_MODEL_MODEL_WEIGHTS_H_
#define LITERTLM_MODEL_MODEL_WEIGHTS_H_

#include <memory>
#include <vector>

#include "format/model_config.h"
#include "format/weight_source.h"
#include "kernels/matrix.h"
#include "kernels/pack.h"
#include "litertlm/status.h"

namespace litertlm {

struct LayerWeights {
  Matrix q_proj, k_proj, v_proj, o_proj;          // (H·D, E), (KV·D, E), (KV·D, E), (E, H·D)
  const float* q_bias = nullptr;                   // (H·D) when attention_bias
  const float* k_bias = nullptr;
  const float* v_bias = nullptr;
  const float* o_bias = nullptr;
  const float* q_norm = nullptr;                   // (D) when qk_norm
  const float* k_norm = nullptr;
  Matrix gate_proj, up_proj, down_proj;            // (F, E), (F, E), (E, F)
  const float* input_norm = nullptr;               // (E)
  const float* post_attention_norm = nullptr;      // (E)
  const float* pre_feedforward_norm = nullptr;     // (E) Gemma only
  const float* post_feedforward_norm = nullptr;    // (E) Gemma only
};

struct ModelWeights {
  Matrix embedding;          // (V, E)
  Matrix output;             // (V, E): lm_head, or the embedding when tied
  const float* final_norm = nullptr;  // (E)
  std::vector<LayerWeights> layers;
  // The fp32 ops (norms, RoPE, attention, activations) reproduce XNNPACK's arithmetic bit for bit
  // (kernels/xnnpack_float.h, Transformer's Xnnpack* steps): WeightLoadOptions::xnnpack_float_ops.
  bool xnnpack_float_ops = false;
  // Buffers for tensors that had to be converted (e.g. bf16 → f32) and the load-time packed
  // copies of quantized / f16 projections. Never resized after load, so the pointers above stay
  // valid.
  std::vector<std::unique_ptr<float[]>> owned;
  std::vector<std::unique_ptr<PackedMatrix>> packed;
};

struct WeightLoadOptions {
  // kI8 projections: true = dynamic_int8 (int8 activations), false = weight-only int8.
  bool int8_dynamic_activations = true;
  // kI8 projections: round activations as XNNPACK's dynamic-range FULLY_CONNECTED does
  // (Matrix::asymmetric_activations): what Google-made TFLite int8 files compute.
  bool int8_asymmetric_activations = false;
  // dynamic kI8 projections: 16-bit activations allowed (Matrix::activations16); false for the
  // int8 tensors of dynamic_int4 files, which keep the 8-bit activations they were measured with.
  bool int8_activations16 = true;
  // TFLite files run as Google's runtime runs them (LoadOptions::int8_activations = google): the
  // transformer's fp32 ops as XNNPACK computes them (ModelWeights::xnnpack_float_ops), and the
  // fp32/fp16/bf16 projections in XNNPACK's f32-gemm order (Matrix::xnnpack_fma_order).
  bool xnnpack_float_ops = false;
  // int4 projections as XNNPACK's qd8 × qb4w FULLY_CONNECTED (PrepareXnnpackQb4w,
  // Matrix::qb4w_scales): TFLite files in google mode whose INT4 weights are blockwise in blocks
  // of 32 or 128 (our int4 formats' own blocks). Per-channel INT4 (XNNPACK's qc4w) and other
  // block sizes keep the kInt4Rows16 route.
  bool int4_xnnpack_qb4w = false;
  // F16/BF16 projections: true = kept at 16 bits and widened on the fly by the kernels (what a
  // converted --quantize fp16 file wants); false = widened to fp32 once at load (checkpoints,
  // bit-faithful to transformers' fp32 computation).
  bool keep_half_precision = false;
  // Which weights to build (the converter's validation streams its source one layer at a time):
  // the embedding, output and final norm when `globals`, and layers [first_layer, end_layer)
  // (end_layer < 0: to the last). `layers` always has num_layers entries; the others stay empty.
  bool globals = true;
  int first_layer = 0;
  int end_layer = -1;
  // Refuse floating-point tensors holding NaN or infinity (one read pass over them, at memory
  // speed). On for checkpoint directories and GGUF files run directly; converted .litertlm files
  // were checked when they were written, and their loads stay zero-copy.
  bool reject_non_finite = false;
  // Threads for the load-time re-layout of large int4 matrices (kInt4Rows16, kernels/pack.h)
  // and the row sums of int8 matrices used in place.
  int pack_threads = 1;
  // Row-major int8 projections with K % 64 == 0 and N % 4 == 0 (TFLite files, checkpoints
  // quantized on the fly) are read by the int8 kernels where they lie instead of being packed
  // into a kPacked4x64 copy (kernels/pack.h, I8Strides). false packs them (for comparison).
  bool int8_in_place = true;
};

// Checks every tensor of the architecture's table against `source` (present, shape as the
// config implies, usable dtype) and builds the compute form. Errors name the tensor and the
// source's origin. `source` must outlive the returned weights.
StatusOr<std::unique_ptr<ModelWeights>> LoadModelWeights(const ModelConfig& config,
                                                         const WeightSource& source,
                                                         const WeightLoadOptions& options = {});

}  // namespace litertlm

#endif  // LITERTLM_MODEL_MODEL_WEIGHTS_H_
