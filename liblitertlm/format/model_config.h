// Architecture-neutral hyper-parameters: every config.json field that changes the math. The plain
// description every model file decodes into (config.json, and the one GGUF metadata becomes:
// format/config_parser.h; a TFLite graph: format/tflite_importer.h).
#ifndef LITERTLM_FORMAT_MODEL_CONFIG_H_
#define LITERTLM_FORMAT_MODEL_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace litertlm {

enum class Activation { kSilu, kGeluTanh, kGeluExact };

// Llama 3 frequency-dependent RoPE scaling (rope_type "llama3"): with wavelength λ = 2π / f,
// frequencies with λ > original_max / low_freq_factor are divided by `factor`, those with
// λ < original_max / high_freq_factor are kept, and the band between is interpolated.
struct Llama3RopeScaling {
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  double original_max_position_embeddings = 8192;
};

// Rotary embedding for one kind of layer. inv_freq[i] = 1 / theta^(2i/d) / factor, then the
// Llama 3 adjustment when `llama3` is set.
struct RopeConfig {
  double theta = 10000.0;
  double linear_factor = 1.0;  // "linear" rope scaling; 1 = none
  std::optional<Llama3RopeScaling> llama3;
  // Per-frequency divisors, inv_freq[i] /= freq_factors[i] (llama.cpp's rope_freqs tensor, the
  // form its GGUF files give Llama 3 scaling in); empty = none.
  std::vector<float> freq_factors;
  // The inverse frequencies exactly as a Google-made TFLite file holds them (format/
  // tflite_importer.cc; litert-torch computes them in fp32, format::TfliteRopeInvFreq in double,
  // and a few differ in the last bit). Non-empty: format::TfliteRopeInvFreq returns them as they
  // are, so google mode's RoPE angles are the file's. Empty: computed from the fields above.
  std::vector<float> inv_freq;
};

// transformers' Llama 3 adjustment of one inverse frequency (computed in fp32 as it does).
inline float Llama3ScaledInvFreq(const Llama3RopeScaling& s, float inv_freq) {
  const float pi2 = static_cast<float>(2.0 * 3.14159265358979323846);
  const float wavelen = (1.0f / inv_freq) * pi2;
  const float old_len = static_cast<float>(s.original_max_position_embeddings);
  const float low_wavelen = old_len / static_cast<float>(s.low_freq_factor);
  const float high_wavelen = old_len / static_cast<float>(s.high_freq_factor);
  const float factor = static_cast<float>(s.factor);
  const float scaled = wavelen > low_wavelen ? inv_freq / factor : inv_freq;
  if (wavelen < high_wavelen || wavelen > low_wavelen) return scaled;
  const float smooth = (old_len / wavelen - static_cast<float>(s.low_freq_factor)) /
                       static_cast<float>(s.high_freq_factor - s.low_freq_factor);
  return (1.0f - smooth) * scaled / factor + smooth * scaled;
}

struct ModelConfig {
  std::string architecture;  // config.json architectures[0]: names the family
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  Activation activation = Activation::kSilu;
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  // Attention: scores = (q·k) * attention_scale, optionally soft-capped.
  double attention_scale = 0;
  std::optional<double> attn_logit_softcapping;
  std::optional<double> final_logit_softcapping;
  // Per layer: true = sliding-window attention over the last `sliding_window` positions
  // (the current one included), using rope_local; false = full attention with rope_global.
  std::vector<bool> layer_sliding;
  int sliding_window = 0;
  RopeConfig rope_global;
  RopeConfig rope_local;
  // Architecture traits.
  bool norm_weight_plus_one = false;  // Gemma RMSNorm: x̂ · (1 + w)
  bool scale_embeddings = false;      // Gemma: embeddings × sqrt(hidden_size)
  bool sandwich_norms = false;        // Gemma: post-attention and pre/post-feedforward norms
  bool qk_norm = false;               // RMSNorm on each q and k head (Qwen3, Gemma3)
  std::optional<int> bos_token_id;
  std::vector<int> eos_token_ids;
};

// The fewest tensors one decoder layer has (q, k, v, o, gate, up, down and two norms).
inline constexpr int64_t kMinTensorsPerLayer = 9;

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_MODEL_CONFIG_H_
