#include "format/llm_metadata_defaults.h"

#include <algorithm>

#include "util/status_macros.h"

namespace litertlm::format {
namespace {

namespace proto = ::litert::lm::proto;

struct FamilyDefaults {
  const char* name;
  std::optional<std::pair<const char*, int32_t>> start;
  std::vector<std::pair<const char*, int32_t>> stops;
  proto::SamplerParameters::Type sampler_type;
  int32_t top_k;
  float top_p;
  float temperature;
  int32_t max_tokens;
  const char* turn_start;  // "<|im_start|>"
  const char* turn_end;    // "<|im_end|>\n"
  const char* model_role;  // "assistant" / "model"
  bool has_system_role;
};

const FamilyDefaults kQwen3 = {"Qwen3",      std::nullopt, {{"<|im_end|>", 151645}},
                               proto::SamplerParameters::TOP_P, 20, 0.95f, 0.6f, 40960,
                               "<|im_start|>", "<|im_end|>\n", "assistant", true};
// Gemma 3 decodes greedily by default (k = 1), recorded as TOP_P with k = 1: Google's CPU sampler
// implements TOP_P (which also applies k) but refuses TOP_K ("Sampler type: 1 not implemented yet",
// litert_lm 0.18.1), so a TOP_K file fails every conversation and `litert-lm serve` request there.
const FamilyDefaults kGemma3 = {"Gemma3", std::make_pair("<bos>", 2),
                                {{"<eos>", 1}, {"<end_of_turn>", 106}},
                                proto::SamplerParameters::TOP_P, 1, 0.95f, 1.0f, 4096,
                                "<start_of_turn>", "<end_of_turn>\n", "model", false};

Status CheckToken(const FamilyDefaults& family, const char* text, int32_t id,
                  const TokenLookup& lookup) {
  std::optional<int32_t> actual = lookup(text);
  if (!actual.has_value()) {
    return FailedPreconditionError(std::string("tokenizer has no token '") + text + "', which the " +
                                   family.name + " defaults use as id " + std::to_string(id));
  }
  if (*actual != id) {
    return FailedPreconditionError(std::string("tokenizer maps '") + text + "' to id " +
                                   std::to_string(*actual) + " but the " + family.name +
                                   " defaults use " + std::to_string(id));
  }
  return Status::Ok();
}

// The id to record for `text`: the family default after checking the tokenizer agrees, or (with
// ids_from_tokenizer) the tokenizer's own id, which must exist.
StatusOr<int32_t> ResolveToken(const FamilyDefaults& family, const char* text, int32_t id,
                               const TokenLookup& lookup, const MetadataOptions& options) {
  if (!options.ids_from_tokenizer) {
    RETURN_IF_ERROR(CheckToken(family, text, id, lookup));
    return id;
  }
  std::optional<int32_t> actual = lookup(text);
  if (!actual.has_value()) {
    return FailedPreconditionError(std::string("tokenizer has no token '") + text +
                                   "', which the " + family.name + " defaults need");
  }
  return *actual;
}

void SetAffixes(proto::PromptAffixes* affixes, const FamilyDefaults& f, const std::string& role) {
  affixes->set_prefix(f.turn_start + role + "\n");
  affixes->set_suffix(f.turn_end);
}

}  // namespace

std::vector<int32_t> PrefillSeqLens(const std::vector<int>& prefill_seq_lens, int kv_cache_max_len) {
  std::vector<int32_t> lens = {8, 64, 128, 256, 512, 1024};
  lens.insert(lens.end(), prefill_seq_lens.begin(), prefill_seq_lens.end());
  std::sort(lens.begin(), lens.end());
  lens.erase(std::unique(lens.begin(), lens.end()), lens.end());
  std::erase_if(lens, [&](int32_t l) { return l <= 0 || l > kv_cache_max_len; });
  return lens;
}

StatusOr<proto::LlmMetadata> BuildDefaultLlmMetadata(std::string_view model_type,
                                                     const MetadataOptions& options,
                                                     const TokenLookup& lookup) {
  const FamilyDefaults* family = nullptr;
  if (model_type == "qwen3") family = &kQwen3;
  if (model_type == "gemma3" || model_type == "gemma3_text") family = &kGemma3;
  if (family == nullptr) {
    return UnimplementedError("no LlmMetadata defaults for model_type '" + std::string(model_type) +
                              "' (supported: qwen3, gemma3, gemma3_text)");
  }
  if (options.kv_cache_max_len < 1) {
    return InvalidArgumentError("--kv-cache-max-len must be >= 1, got " +
                                std::to_string(options.kv_cache_max_len));
  }
  for (int len : options.prefill_seq_lens) {
    if (len < 1 || len > options.kv_cache_max_len) {
      return InvalidArgumentError("--prefill-seq-len must be in [1, --kv-cache-max-len=" +
                                  std::to_string(options.kv_cache_max_len) + "], got " + std::to_string(len));
    }
  }
  proto::LlmMetadata m;
  if (family->start) {
    ASSIGN_OR_RETURN(int32_t id, ResolveToken(*family, family->start->first,
                                              family->start->second, lookup, options));
    m.mutable_start_token()->mutable_token_ids()->add_ids(id);
  }
  for (const auto& [text, id] : family->stops) {
    ASSIGN_OR_RETURN(int32_t resolved, ResolveToken(*family, text, id, lookup, options));
    m.add_stop_tokens()->mutable_token_ids()->add_ids(resolved);
  }
  SetAffixes(m.mutable_prompt_templates()->mutable_user(), *family, "user");
  SetAffixes(m.mutable_prompt_templates()->mutable_model(), *family, family->model_role);
  if (family->has_system_role) {
    SetAffixes(m.mutable_prompt_templates()->mutable_system(), *family, "system");
  }
  proto::SamplerParameters* sampler = m.mutable_sampler_params();
  sampler->set_type(family->sampler_type);
  sampler->set_k(family->top_k);
  sampler->set_p(family->top_p);
  sampler->set_temperature(family->temperature);
  m.set_max_num_tokens(std::min(family->max_tokens, options.kv_cache_max_len));
  if (family == &kQwen3) {
    m.mutable_llm_model_type()->mutable_qwen3();
  } else {
    m.mutable_llm_model_type()->mutable_gemma3();
  }
  if (!options.jinja_template.empty()) m.set_jinja_prompt_template(options.jinja_template);
  proto::ConversionInfo* info = m.mutable_conversion_info();
  info->set_converter_version(options.converter_version);
  info->set_source_model(options.source_model);
  info->set_quantization(options.quantization);
  info->set_kv_cache_max_len(options.kv_cache_max_len);
  for (int32_t len : PrefillSeqLens(options.prefill_seq_lens, options.kv_cache_max_len)) {
    info->add_prefill_seq_lens(len);
  }
  return m;
}

}  // namespace litertlm::format
