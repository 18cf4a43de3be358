#include "format/gguf_hf_config.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "format/gguf_dequant.h"
#include "format/gguf_weight_source.h"
#include "format/model_family.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

// llama.cpp's gemma3 defaults (src/llama-model.cpp): every 6th layer global, local rope base 1e4.
constexpr int64_t kGemma3SlidingPattern = 6;
constexpr double kGemma3LocalRopeBase = 10000.0;
constexpr double kDefaultRopeBase = 10000.0;
constexpr int64_t kGemma3_27bLayers = 62;
// block_count sizes per-layer arrays (layer_types): bound it before allocating anything.
constexpr int64_t kMaxLayers = 1 << 16;

// The shortest decimal that reads back as the same float32 (GGUF stores these as f32), e.g.
// 1e-06 rather than 9.999999974752427e-07.
std::string ShortFloat(double value) {
  float f = static_cast<float>(value);
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  std::string s(buf);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// Metadata of one architecture, with typed optional access.
class Meta {
 public:
  Meta(const GgufFile& gguf, std::string arch) : gguf_(gguf), arch_(std::move(arch)) {}
  std::string Key(const char* suffix) const { return arch_ + "." + suffix; }
  bool Has(const char* suffix) const { return gguf_.HasKey(Key(suffix)); }
  StatusOr<int64_t> Int(const char* suffix) const { return gguf_.GetInt(Key(suffix)); }
  StatusOr<double> Float(const char* suffix) const { return gguf_.GetFloat(Key(suffix)); }
  StatusOr<int64_t> IntOr(const char* suffix, int64_t fallback) const {
    return Has(suffix) ? Int(suffix) : StatusOr<int64_t>(fallback);
  }
  StatusOr<double> FloatOr(const char* suffix, double fallback) const {
    return Has(suffix) ? Float(suffix) : StatusOr<double>(fallback);
  }
  StatusOr<std::optional<double>> OptFloat(const char* suffix) const {
    if (!Has(suffix)) return std::optional<double>();
    ASSIGN_OR_RETURN(double v, Float(suffix));
    return std::optional<double>(v);
  }
  const GgufFile& gguf() const { return gguf_; }

 private:
  const GgufFile& gguf_;
  std::string arch_;
};

struct CommonConfig {
  int64_t hidden = 0, ffn = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0, ctx = 0;
  int64_t vocab = 0;
  double eps = 0, rope_theta = 0;
  bool tied = true;
  std::optional<double> rope_factor;
  std::string rope_type;
};

Status Positive(const GgufFile& gguf, const std::string& key, int64_t v) {
  if (v > 0) return Status::Ok();
  return InvalidArgumentError(gguf.origin() + ": metadata key '" + key + "' is " +
                              std::to_string(v) + ", expected > 0");
}

StatusOr<CommonConfig> ReadCommon(const Meta& m) {
  const GgufFile& g = m.gguf();
  CommonConfig c;
  ASSIGN_OR_RETURN(c.hidden, m.Int("embedding_length"));
  ASSIGN_OR_RETURN(c.ffn, m.Int("feed_forward_length"));
  ASSIGN_OR_RETURN(c.layers, m.Int("block_count"));
  ASSIGN_OR_RETURN(c.heads, m.Int("attention.head_count"));
  const std::pair<const char*, int64_t> required[] = {{"embedding_length", c.hidden},
                                                      {"feed_forward_length", c.ffn},
                                                      {"block_count", c.layers},
                                                      {"attention.head_count", c.heads}};
  for (const auto& [key, v] : required) {
    RETURN_IF_ERROR(Positive(g, m.Key(key), v));
  }
  if (c.layers > kMaxLayers) {
    return InvalidArgumentError(g.origin() + ": metadata key '" + m.Key("block_count") + "' is " +
                                std::to_string(c.layers) + ", more than " +
                                std::to_string(kMaxLayers) + " layers");
  }
  ASSIGN_OR_RETURN(c.kv_heads, m.IntOr("attention.head_count_kv", c.heads));
  ASSIGN_OR_RETURN(c.head_dim, m.IntOr("attention.key_length", c.hidden / c.heads));
  RETURN_IF_ERROR(Positive(g, m.Key("attention.head_count_kv"), c.kv_heads));
  RETURN_IF_ERROR(Positive(g, m.Key("attention.key_length"), c.head_dim));
  ASSIGN_OR_RETURN(int64_t value_dim, m.IntOr("attention.value_length", c.head_dim));
  if (value_dim != c.head_dim) {
    return UnimplementedError(g.origin() + ": " + m.Key("attention.value_length") + " (" +
                              std::to_string(value_dim) + ") differs from key_length (" +
                              std::to_string(c.head_dim) + ")");
  }
  ASSIGN_OR_RETURN(c.eps, m.Float("attention.layer_norm_rms_epsilon"));
  ASSIGN_OR_RETURN(c.rope_theta, m.FloatOr("rope.freq_base", kDefaultRopeBase));
  ASSIGN_OR_RETURN(c.ctx, m.Int("context_length"));
  if (m.Has("vocab_size")) {
    ASSIGN_OR_RETURN(c.vocab, m.Int("vocab_size"));
  } else if (const GgufKeyValue* tokens = g.FindKey("tokenizer.ggml.tokens");
             tokens != nullptr && tokens->type == GgufValueType::kArray) {
    c.vocab = static_cast<int64_t>(tokens->count);
  } else {
    return InvalidArgumentError(g.origin() + ": neither " + m.Key("vocab_size") +
                                " nor tokenizer.ggml.tokens gives the vocabulary size");
  }
  if (g.HasKey(m.Key("rope.scaling.type"))) {
    ASSIGN_OR_RETURN(c.rope_type, g.GetString(m.Key("rope.scaling.type")));
    if (c.rope_type != "none") {
      ASSIGN_OR_RETURN(c.rope_factor, m.OptFloat("rope.scaling.factor"));
    }
  }
  return c;
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void Key(Writer& w, const char* k) { w.Key(k); }
void Float(Writer& w, const char* k, double v) {
  w.Key(k);
  std::string s = ShortFloat(v);
  w.RawValue(s.c_str(), s.size(), rapidjson::kNumberType);
}
void OptFloat(Writer& w, const char* k, const std::optional<double>& v) {
  if (v) {
    Float(w, k, *v);
  } else {
    w.Key(k);
    w.Null();
  }
}

Status WriteTokenIds(const GgufFile& g, Writer& w) {
  const std::pair<const char*, const char*> ids[] = {
      {"bos_token_id", "tokenizer.ggml.bos_token_id"},
      {"eos_token_id", "tokenizer.ggml.eos_token_id"},
      {"pad_token_id", "tokenizer.ggml.padding_token_id"},
  };
  for (const auto& [json_key, gguf_key] : ids) {
    if (!g.HasKey(gguf_key)) continue;
    ASSIGN_OR_RETURN(int64_t id, g.GetInt(gguf_key));
    w.Key(json_key);
    w.Int64(id);
  }
  return Status::Ok();
}

void WriteCommon(Writer& w, const CommonConfig& c) {
  Key(w, "hidden_size"); w.Int64(c.hidden);
  Key(w, "intermediate_size"); w.Int64(c.ffn);
  Key(w, "num_hidden_layers"); w.Int64(c.layers);
  Key(w, "num_attention_heads"); w.Int64(c.heads);
  Key(w, "num_key_value_heads"); w.Int64(c.kv_heads);
  Key(w, "head_dim"); w.Int64(c.head_dim);
  Float(w, "rms_norm_eps", c.eps);
  Float(w, "rope_theta", c.rope_theta);
  Key(w, "max_position_embeddings"); w.Int64(c.ctx);
  Key(w, "vocab_size"); w.Int64(c.vocab);
  Key(w, "tie_word_embeddings"); w.Bool(c.tied);
  Key(w, "torch_dtype"); w.String("float32");
  Key(w, "rope_scaling");
  if (c.rope_factor) {
    w.StartObject();
    Key(w, "rope_type"); w.String(c.rope_type.c_str());
    Float(w, "factor", *c.rope_factor);
    w.EndObject();
  } else {
    w.Null();
  }
}

// Per-layer "sliding_attention" / "full_attention" from {arch}.attention.sliding_window_pattern:
// a uint N (layer i is global when (i + 1) % N == 0) or one bool per layer (true = sliding).
StatusOr<std::vector<bool>> Gemma3SlidingLayers(const Meta& m, int64_t layers, int64_t* pattern) {
  const GgufFile& g = m.gguf();
  const std::string key = m.Key("attention.sliding_window_pattern");
  const GgufKeyValue* kv = g.FindKey(key);
  *pattern = kGemma3SlidingPattern;
  if (kv != nullptr && kv->type == GgufValueType::kArray) {
    ASSIGN_OR_RETURN(std::vector<bool> sliding, g.GetBoolArray(key));
    if (static_cast<int64_t>(sliding.size()) != layers) {
      return InvalidArgumentError(g.origin() + ": metadata key '" + key + "' has " +
                                  std::to_string(sliding.size()) + " entries for " +
                                  std::to_string(layers) + " layers");
    }
    *pattern = 0;  // not periodic as far as we know; layer_types carries it
    return sliding;
  }
  if (kv != nullptr) {
    ASSIGN_OR_RETURN(*pattern, g.GetInt(key));
    RETURN_IF_ERROR(Positive(g, key, *pattern));
  }
  std::vector<bool> sliding(static_cast<size_t>(layers));
  for (int64_t i = 0; i < layers; ++i) sliding[i] = (i + 1) % *pattern != 0;
  return sliding;
}

// Writes the architecture and model_type from the family record, then the Gemma 3 keys.
Status WriteGemma3Hparams(const Meta& m, const ModelFamily& family, const CommonConfig& c, Writer& w) {
  ASSIGN_OR_RETURN(int64_t window, m.Int("attention.sliding_window"));
  int64_t pattern = 0;
  ASSIGN_OR_RETURN(std::vector<bool> sliding, Gemma3SlidingLayers(m, c.layers, &pattern));
  ASSIGN_OR_RETURN(double local_base, m.FloatOr("rope.freq_base_swa", kGemma3LocalRopeBase));
  double scalar = static_cast<double>(c.layers == kGemma3_27bLayers ? c.hidden / c.heads
                                                                    : c.head_dim);
  if (m.Has("attention.scale")) {
    ASSIGN_OR_RETURN(double scale, m.Float("attention.scale"));
    if (!(scale > 0)) {
      return InvalidArgumentError(m.gguf().origin() + ": " + m.Key("attention.scale") +
                                  " must be > 0");
    }
    scalar = 1.0 / (scale * scale);
  }
  ASSIGN_OR_RETURN(std::optional<double> final_cap, m.OptFloat("final_logit_softcapping"));
  ASSIGN_OR_RETURN(std::optional<double> attn_cap, m.OptFloat("attn_logit_softcapping"));
  const std::string arch(family.hf_architectures[0]), type(family.model_types[0]);
  Key(w, "architectures"); w.StartArray(); w.String(arch.c_str()); w.EndArray();
  Key(w, "model_type"); w.String(type.c_str());
  WriteCommon(w, c);
  Key(w, "hidden_activation"); w.String("gelu_pytorch_tanh");
  Float(w, "query_pre_attn_scalar", scalar);
  Key(w, "sliding_window"); w.Int64(window);
  Key(w, "sliding_window_pattern");
  if (pattern > 0) { w.Int64(pattern); } else { w.Null(); }
  Key(w, "layer_types");
  w.StartArray();
  for (bool s : sliding) w.String(s ? "sliding_attention" : "full_attention");
  w.EndArray();
  Float(w, "rope_local_base_freq", local_base);
  OptFloat(w, "final_logit_softcapping", final_cap);
  OptFloat(w, "attn_logit_softcapping", attn_cap);
  return Status::Ok();
}

// Families without extra keys (Qwen3, Llama): names from the family record, SiLU, no sliding.
void WriteSiluGatedHparams(bool attention_bias, const ModelFamily& family, const CommonConfig& c, Writer& w) {
  const std::string arch(family.hf_architectures[0]), type(family.model_types[0]);
  Key(w, "architectures"); w.StartArray(); w.String(arch.c_str()); w.EndArray();
  Key(w, "model_type"); w.String(type.c_str());
  WriteCommon(w, c);
  Key(w, "hidden_act"); w.String("silu");
  Key(w, "attention_bias"); w.Bool(attention_bias);
  Key(w, "use_sliding_window"); w.Bool(false);
  Key(w, "sliding_window"); w.Null();
}

}  // namespace

StatusOr<std::string> GgufToHfConfigJson(const GgufFile& gguf, GgufTensorNamer namer) {
  ASSIGN_OR_RETURN(std::string arch, gguf.GetString("general.architecture"));
  const ModelFamily* family = FindFamilyByGgufArchitecture(arch);
  if (family == nullptr) {
    return UnimplementedError(gguf.origin() + ": GGUF architecture '" + arch +
                              "' is not supported (supported: " + SupportedGgufArchitectures() + ")");
  }
  std::vector<float> freq_factors;
  if (const GgufTensorInfo* t = gguf.FindTensor("rope_freqs.weight"); t != nullptr) {
    // llama.cpp stores Llama 3 rope scaling as precomputed per-frequency divisors, which no
    // config.json rope_scaling expresses: they are passed on as "rope_freq_factors".
    if (!family->gguf_rope_freqs) {
      return UnimplementedError(gguf.origin() + ": tensor 'rope_freqs.weight' (per-frequency RoPE "
                                "factors) is not supported for architecture " + arch);
    }
    if (t->n_elements <= 0 || t->n_elements > kMaxLayers) {  // head_dim / 2 values
      return InvalidArgumentError(gguf.origin() + ": tensor 'rope_freqs.weight' has " +
                                  std::to_string(t->n_elements) + " values");
    }
    freq_factors.resize(static_cast<size_t>(t->n_elements));
    RETURN_IF_ERROR(DequantizeGgml(*t->type, gguf.TensorData(*t), freq_factors,
                                   gguf.origin() + ": tensor 'rope_freqs.weight'"));
  }
  Meta meta(gguf, arch);
  ASSIGN_OR_RETURN(CommonConfig common, ReadCommon(meta));
  // Whether the file holds a tensor, by its Hugging Face name (the table's GGUF column names it).
  const std::vector<GgufTensorName> names = namer(*family);
  auto has_tensor = [&](std::string_view hf_name) {
    const std::optional<std::string> name = HfToGgufTensorName(names, hf_name);
    return name && gguf.FindTensor(*name) != nullptr;
  };
  common.tied = !has_tensor("lm_head.weight");
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  switch (family->gguf_hparams) {
    case GgufHparams::kGemma3:
      RETURN_IF_ERROR(WriteGemma3Hparams(meta, *family, common, w));
      break;
    case GgufHparams::kSiluGated:
      WriteSiluGatedHparams(has_tensor("model.layers.0.self_attn.q_proj.bias"), *family, common, w);
      break;
  }
  if (!freq_factors.empty()) {
    Key(w, "rope_freq_factors");
    w.StartArray();
    for (float f : freq_factors) {
      const std::string s = ShortFloat(f);
      w.RawValue(s.c_str(), s.size(), rapidjson::kNumberType);
    }
    w.EndArray();
  }
  RETURN_IF_ERROR(WriteTokenIds(gguf, w));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace litertlm
