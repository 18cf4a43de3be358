#include "format/llm_metadata_defaults.h"

#include <algorithm>

#include "format/model_family.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

namespace proto = ::litert::lm::proto;

// Gemma 3 decodes greedily by default (k = 1), recorded as TOP_P with k = 1: Google's CPU sampler
// implements TOP_P (which also applies k) but refuses TOP_K ("Sampler type: 1 not implemented yet",
// litert_lm 0.18.1), so a TOP_K file fails every conversation and `litert-lm serve` request there.
// Every family is therefore recorded as TOP_P.
using FamilyDefaults = ModelFamily;

Status CheckToken(const FamilyDefaults& family, std::string_view text, int32_t id,
                  const TokenLookup& lookup) {
  std::optional<int32_t> actual = lookup(text);
  if (!actual.has_value()) {
    return FailedPreconditionError("tokenizer has no token '" + std::string(text) + "', which the " +
                                   std::string(family.name) + " defaults use as id " +
                                   std::to_string(id));
  }
  if (*actual != id) {
    return FailedPreconditionError("tokenizer maps '" + std::string(text) + "' to id " +
                                   std::to_string(*actual) + " but the " + std::string(family.name) +
                                   " defaults use " + std::to_string(id));
  }
  return Status::Ok();
}

// The id to record for `text`: the family default after checking the tokenizer agrees, or (with
// ids_from_tokenizer) the tokenizer's own id, which must exist.
StatusOr<int32_t> ResolveToken(const FamilyDefaults& family, std::string_view text, int32_t id,
                               const TokenLookup& lookup, const MetadataOptions& options) {
  if (!options.ids_from_tokenizer) {
    RETURN_IF_ERROR(CheckToken(family, text, id, lookup));
    return id;
  }
  std::optional<int32_t> actual = lookup(text);
  if (!actual.has_value()) {
    return FailedPreconditionError("tokenizer has no token '" + std::string(text) +
                                   "', which the " + std::string(family.name) + " defaults need");
  }
  return *actual;
}

void SetAffixes(proto::PromptAffixes* affixes, const FamilyDefaults& f, std::string_view role) {
  affixes->set_prefix(std::string(f.turns.turn_start) + std::string(role) + std::string(f.turns.role_end));
  affixes->set_suffix(std::string(f.turns.turn_end));
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
  const FamilyDefaults* family = FindFamilyByModelType(model_type, lookup);
  if (family == nullptr) {
    return UnimplementedError("no LlmMetadata defaults for model_type '" + std::string(model_type) +
                              "' (supported: " + SupportedModelTypes() + ")");
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
    ASSIGN_OR_RETURN(int32_t id, ResolveToken(*family, family->start->text,
                                              family->start->id, lookup, options));
    m.mutable_start_token()->mutable_token_ids()->add_ids(id);
  }
  for (const auto& [text, id, optional] : family->stops) {
    if (optional && !lookup(text)) continue;
    ASSIGN_OR_RETURN(int32_t resolved, ResolveToken(*family, text, id, lookup, options));
    m.add_stop_tokens()->mutable_token_ids()->add_ids(resolved);
  }
  SetAffixes(m.mutable_prompt_templates()->mutable_user(), *family, "user");
  SetAffixes(m.mutable_prompt_templates()->mutable_model(), *family, family->turns.model_role);
  if (family->turns.has_system_role) {
    SetAffixes(m.mutable_prompt_templates()->mutable_system(), *family, "system");
  }
  proto::SamplerParameters* sampler = m.mutable_sampler_params();
  sampler->set_type(proto::SamplerParameters::TOP_P);
  sampler->set_k(family->sampler.top_k);
  sampler->set_p(family->sampler.top_p);
  sampler->set_temperature(family->sampler.temperature);
  m.set_max_num_tokens(std::min(family->metadata_max_tokens, options.kv_cache_max_len));
  switch (family->metadata_type) {
    case MetadataModelType::kQwen3:
      m.mutable_llm_model_type()->mutable_qwen3();
      break;
    case MetadataModelType::kGemma3:
      m.mutable_llm_model_type()->mutable_gemma3();
      break;
    case MetadataModelType::kGeneric:
      m.mutable_llm_model_type()->mutable_generic_model();
      break;
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
