#include "format/config_parser.h"

#include <cmath>

#include "format/config_fields.h"
#include "format/model_family.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

constexpr int64_t kMaxDimension = int64_t{1} << 30;

Status RequirePositive(const JsonObjectReader& r, const char* field, int* out) {
  ASSIGN_OR_RETURN(int64_t v, r.RequireInt(field));
  if (v <= 0 || v > kMaxDimension) {
    return InvalidArgumentError(r.Where(field) + " must be between 1 and " +
                                std::to_string(kMaxDimension) + " (got " + std::to_string(v) + ")");
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

// Every layer needs kMinTensorsPerLayer tensors, plus the embedding and the final norm.
Status CheckLayersFitSource(const JsonObjectReader& r, int num_layers, int64_t tensors_in_source) {
  if (tensors_in_source < 0) return Status::Ok();
  const int64_t needed = 2 + kMinTensorsPerLayer * int64_t{num_layers};
  if (needed <= tensors_in_source) return Status::Ok();
  return InvalidArgumentError(r.Where("num_hidden_layers") + " is " + std::to_string(num_layers) +
                              ", but the weights hold only " + std::to_string(tensors_in_source) +
                              " tensors (" + std::to_string(num_layers) + " layers need at least " +
                              std::to_string(needed) + ")");
}

StatusOr<std::string> ArchitectureName(const JsonObjectReader& r) {
  ASSIGN_OR_RETURN(const rapidjson::Value* archs, r.Array("architectures"));
  if (archs != nullptr && archs->Size() > 0) {
    if (!(*archs)[0].IsString()) return InvalidArgumentError(r.Where("architectures") + " must hold strings");
    return std::string((*archs)[0].GetString());
  }
  // Configs written without `architectures` still carry model_type.
  ASSIGN_OR_RETURN(auto model_type, r.String("model_type"));
  if (model_type) {
    if (const ModelFamily* family = FindFamilyByModelType(*model_type)) {
      return std::string(family->hf_architectures[0]);
    }
  }
  return InvalidArgumentError(r.Where("architectures") + " is missing");
}

Status ParseEosIds(const JsonObjectReader& r, ModelConfig* c) {
  ASSIGN_OR_RETURN(auto bos, r.Int("bos_token_id"));
  if (bos) c->bos_token_id = static_cast<int>(*bos);
  if (!r.Has("eos_token_id")) return Status::Ok();
  auto single = r.Int("eos_token_id");
  if (single.ok()) {
    c->eos_token_ids.push_back(static_cast<int>(**single));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(const rapidjson::Value* list, r.Array("eos_token_id"));
  for (const auto& v : list->GetArray()) {
    if (!v.IsInt()) return InvalidArgumentError(r.Where("eos_token_id") + " must hold integers");
    c->eos_token_ids.push_back(v.GetInt());
  }
  return Status::Ok();
}

Status ParseGeneric(const JsonObjectReader& r, int64_t tensors_in_source, ModelConfig* c) {
  RETURN_IF_ERROR(RequirePositive(r, "vocab_size", &c->vocab_size));
  RETURN_IF_ERROR(RequirePositive(r, "hidden_size", &c->hidden_size));
  RETURN_IF_ERROR(RequirePositive(r, "intermediate_size", &c->intermediate_size));
  RETURN_IF_ERROR(RequirePositive(r, "num_hidden_layers", &c->num_layers));
  RETURN_IF_ERROR(CheckLayersFitSource(r, c->num_layers, tensors_in_source));
  RETURN_IF_ERROR(RequirePositive(r, "num_attention_heads", &c->num_heads));
  c->num_kv_heads = c->num_heads;
  if (r.Has("num_key_value_heads")) RETURN_IF_ERROR(RequirePositive(r, "num_key_value_heads", &c->num_kv_heads));
  if (c->num_heads % c->num_kv_heads != 0)
    return InvalidArgumentError(r.Where("num_key_value_heads") + " must divide num_attention_heads");
  c->head_dim = c->hidden_size / c->num_heads;
  if (r.Has("head_dim")) RETURN_IF_ERROR(RequirePositive(r, "head_dim", &c->head_dim));
  if (c->head_dim % 2 != 0) return InvalidArgumentError(r.Where("head_dim") + " must be even (rotary pairs)");
  c->max_position_embeddings = 4096;
  if (r.Has("max_position_embeddings"))
    RETURN_IF_ERROR(RequirePositive(r, "max_position_embeddings", &c->max_position_embeddings));
  ASSIGN_OR_RETURN(auto eps, r.Double("rms_norm_eps"));
  if (eps) c->rms_norm_eps = *eps;
  if (!(c->rms_norm_eps > 0)) return InvalidArgumentError(r.Where("rms_norm_eps") + " must be positive");
  ASSIGN_OR_RETURN(auto bias, r.Bool("attention_bias"));
  c->attention_bias = bias.value_or(false);
  c->attention_scale = 1.0 / std::sqrt(static_cast<double>(c->head_dim));
  return ParseEosIds(r, c);
}

}  // namespace

namespace {
// The family whose config parser reads architecture `c->architecture` (its hf_architectures[0]).
StatusOr<const ModelFamily*> SupportedArch(const JsonObjectReader& r, ModelConfig* c) {
  ASSIGN_OR_RETURN(c->architecture, ArchitectureName(r));
  const ModelFamily* family = FindFamilyByHfArchitecture(c->architecture);
  if (family == nullptr || family->hf_architectures[0] != c->architecture || family->parse_config == nullptr) {
    return InvalidArgumentError(r.Where("architectures") + ": unsupported architecture '" +
                                c->architecture + "' (supported: " + SupportedArchitectures() + ")");
  }
  return family;
}
}  // namespace

Status CheckModelArchitecture(const std::string& json_text, const std::string& origin) {
  ASSIGN_OR_RETURN(auto doc, ParseJson(json_text, origin));
  if (!doc->IsObject()) return InvalidArgumentError(origin + ": config is not a JSON object");
  ModelConfig c;
  return SupportedArch(JsonObjectReader(*doc, origin), &c).status();
}

StatusOr<ModelConfig> ParseModelConfig(const std::string& json_text, const std::string& origin,
                                       int64_t tensors_in_source) {
  ASSIGN_OR_RETURN(auto doc, ParseJson(json_text, origin));
  if (!doc->IsObject()) return InvalidArgumentError(origin + ": config is not a JSON object");
  JsonObjectReader r(*doc, origin);
  ModelConfig c;
  ASSIGN_OR_RETURN(const ModelFamily* family, SupportedArch(r, &c));
  RETURN_IF_ERROR(ParseGeneric(r, tensors_in_source, &c));
  RETURN_IF_ERROR(family->parse_config(r, &c));
  if (static_cast<int>(c.layer_sliding.size()) != c.num_layers)
    return InternalError(origin + ": layer pattern not set by the architecture parser");
  return c;
}

Status ParseSiluGatedMlp(const JsonObjectReader& r, ModelConfig* c) {
  ASSIGN_OR_RETURN(auto act, r.String("hidden_act"));
  const std::string a = act.value_or("silu");
  if (a != "silu") return UnimplementedError(r.Where("hidden_act") + ": activation '" + a + "' is not supported");
  c->activation = Activation::kSilu;
  ASSIGN_OR_RETURN(auto tie, r.Bool("tie_word_embeddings"));
  c->tie_word_embeddings = tie.value_or(false);
  return Status::Ok();
}

Status ParseLayerTypes(const JsonObjectReader& r, ModelConfig* c) {
  c->layer_sliding.assign(c->num_layers, false);
  ASSIGN_OR_RETURN(const rapidjson::Value* types, r.Array("layer_types"));
  if (types != nullptr) {
    if (static_cast<int>(types->Size()) != c->num_layers)
      return InvalidArgumentError(r.Where("layer_types") + " has " + std::to_string(types->Size()) +
                                  " entries for " + std::to_string(c->num_layers) + " layers");
    for (int i = 0; i < c->num_layers; ++i) {
      const auto& t = (*types)[i];
      std::string s = t.IsString() ? t.GetString() : "";
      if (s == "sliding_attention") {
        c->layer_sliding[i] = true;
      } else if (s != "full_attention") {
        return InvalidArgumentError(r.Where("layer_types") + "[" + std::to_string(i) +
                                    "]: unsupported layer type '" + s + "'");
      }
    }
  } else {
    ASSIGN_OR_RETURN(auto pattern, r.Int("sliding_window_pattern"));
    if (!pattern) {
      ASSIGN_OR_RETURN(pattern, r.Int("_sliding_window_pattern"));
    }
    if (pattern) {
      if (*pattern <= 0) return InvalidArgumentError(r.Where("sliding_window_pattern") + " must be positive");
      for (int i = 0; i < c->num_layers; ++i) c->layer_sliding[i] = ((i + 1) % *pattern) != 0;
    }
  }
  bool any_sliding = false;
  for (bool s : c->layer_sliding) any_sliding |= s;
  if (any_sliding) {
    ASSIGN_OR_RETURN(auto window, r.Int("sliding_window"));
    if (!window || *window <= 0 || *window > kMaxDimension)
      return InvalidArgumentError(r.Where("sliding_window") + " must be between 1 and " +
                                  std::to_string(kMaxDimension) + " when layers slide");
    c->sliding_window = static_cast<int>(*window);
  }
  return Status::Ok();
}

namespace {
// rope_type "llama3": factor, low_freq_factor, high_freq_factor, original_max_position_embeddings,
// all required (transformers refuses the config without them).
Status ParseLlama3Scaling(const JsonObjectReader& r, RopeConfig* rope) {
  Llama3RopeScaling s;
  const std::pair<const char*, double*> fields[] = {
      {"factor", &s.factor},
      {"low_freq_factor", &s.low_freq_factor},
      {"high_freq_factor", &s.high_freq_factor},
      {"original_max_position_embeddings", &s.original_max_position_embeddings}};
  for (const auto& [name, out] : fields) {
    ASSIGN_OR_RETURN(auto v, r.Double(name));
    if (!v || !(*v > 0) || !std::isfinite(*v))
      return InvalidArgumentError(r.Where(name) + " must be a positive number for rope_type llama3");
    *out = *v;
  }
  if (!(s.high_freq_factor > s.low_freq_factor))
    return InvalidArgumentError(r.Where("high_freq_factor") + " must exceed low_freq_factor");
  rope->llama3 = s;
  return Status::Ok();
}

Status ParseRopeObject(const rapidjson::Value& obj, const std::string& where, double default_theta,
                       RopeConfig* rope) {
  JsonObjectReader r(obj, where);
  ASSIGN_OR_RETURN(auto theta, r.Double("rope_theta"));
  rope->theta = theta.value_or(default_theta);
  ASSIGN_OR_RETURN(auto type, r.String("rope_type"));
  if (!type) {
    ASSIGN_OR_RETURN(type, r.String("type"));
  }
  const std::string t = type.value_or("default");
  if (t == "linear") {
    ASSIGN_OR_RETURN(auto factor, r.Double("factor"));
    if (!factor || !(*factor > 0)) return InvalidArgumentError(r.Where("factor") + " must be positive");
    rope->linear_factor = *factor;
  } else if (t == "llama3") {
    RETURN_IF_ERROR(ParseLlama3Scaling(r, rope));
  } else if (t != "default") {
    return UnimplementedError(r.Where("rope_type") + ": rope scaling '" + t + "' is not supported");
  }
  if (!(rope->theta > 0)) return InvalidArgumentError(r.Where("rope_theta") + " must be positive");
  return Status::Ok();
}
}  // namespace

Status ParseRopeFreqFactors(const JsonObjectReader& r, int head_dim, RopeConfig* rope) {
  ASSIGN_OR_RETURN(const rapidjson::Value* list, r.Array("rope_freq_factors"));
  if (list == nullptr) return Status::Ok();
  if (static_cast<int>(list->Size()) != head_dim / 2)
    return InvalidArgumentError(r.Where("rope_freq_factors") + " has " + std::to_string(list->Size()) +
                                " entries, head_dim / 2 = " + std::to_string(head_dim / 2) + " expected");
  for (const auto& v : list->GetArray()) {
    const double f = v.IsNumber() ? v.GetDouble() : 0.0;
    if (!(f > 0) || !std::isfinite(f))
      return InvalidArgumentError(r.Where("rope_freq_factors") + " must hold positive numbers");
    rope->freq_factors.push_back(static_cast<float>(f));
  }
  return Status::Ok();
}

Status ParseRope(const JsonObjectReader& r, const char* layer_type, const char* legacy_theta_field,
                 double default_theta, bool legacy_scaling_applies, RopeConfig* rope) {
  ASSIGN_OR_RETURN(const rapidjson::Value* params, r.Object("rope_parameters"));
  if (params != nullptr) {
    auto it = params->FindMember(layer_type);
    if (it != params->MemberEnd() && it->value.IsObject())
      return ParseRopeObject(it->value, r.origin() + ": rope_parameters." + layer_type, default_theta, rope);
    return ParseRopeObject(*params, r.origin() + ": rope_parameters", default_theta, rope);
  }
  ASSIGN_OR_RETURN(auto theta, r.Double(legacy_theta_field));
  rope->theta = theta.value_or(default_theta);
  if (!(rope->theta > 0)) return InvalidArgumentError(r.Where(legacy_theta_field) + " must be positive");
  if (legacy_scaling_applies) {
    ASSIGN_OR_RETURN(const rapidjson::Value* scaling, r.Object("rope_scaling"));
    if (scaling != nullptr) {
      double keep_theta = rope->theta;
      RETURN_IF_ERROR(ParseRopeObject(*scaling, r.origin() + ": rope_scaling", keep_theta, rope));
      rope->theta = keep_theta;
    }
  }
  return Status::Ok();
}

}  // namespace litertlm
