#include "hub/model_names.h"

#include <algorithm>
#include <set>

#include "format/model_family.h"
#include "format/tokenizer_config.h"
#include "hub/hub_paths.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace litertlm::hub {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool TopLevel(const std::string& f) { return f.find('/') == std::string::npos; }

// Organisations whose checkpoints are converted (the model family records' hub_orgs).
bool IsConvertibleOrg(std::string_view org) {
  for (const ModelFamily& f : ModelFamilies()) {
    for (std::string_view o : f.hub_orgs) {
      if (o == org) return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string>& SupportedModels() {
  static const std::vector<std::string> kModels = {
      "litert-community/Qwen3-0.6B", "litert-community/gemma-3-270m-it",
      "Qwen/Qwen3-0.6B",             "Qwen/Qwen3-1.7B",
      "Qwen/Qwen3-4B",               "google/gemma-3-270m",
      "google/gemma-3-270m-it",      "google/gemma-3-1b"};
  return kModels;
}

std::string SupportedModelsText() {
  std::string text = "Supported models:";
  for (const std::string& m : SupportedModels()) {
    text += "\n  " + m;
    text += m.rfind("litert-community/", 0) == 0 ? " (pre-converted .litertlm)"
                                                  : " (converted from the checkpoint)";
  }
  text += "\nor a path to a .litertlm file or a checkpoint directory";
  return text;
}

StatusOr<ModelName> ClassifyModelName(const std::string& model) {
  Status valid = ValidateRepoId(model);
  if (!valid.ok())
    return InvalidArgumentError("'" + model +
                                "' is not a file, a checkpoint directory or a model name. " +
                                SupportedModelsText());
  ModelName n;
  n.repo = model;
  size_t slash = model.find('/');
  n.org = model.substr(0, slash);
  n.name = model.substr(slash + 1);
  if (n.org == "litert-community") {
    n.source = ModelSource::kPreconverted;
  } else if (IsConvertibleOrg(n.org)) {
    n.source = ModelSource::kConvertible;
  } else {
    return InvalidArgumentError("unsupported model '" + model + "'. " + SupportedModelsText());
  }
  return n;
}

StatusOr<RepoFile> PickLitertlmFile(const RepoListing& listing, const std::string& name) {
  std::vector<const RepoFile*> candidates;
  for (const RepoFile& f : listing.files) {
    if (TopLevel(f.name) && EndsWith(f.name, ".litertlm")) candidates.push_back(&f);
  }
  if (candidates.empty())
    return NotFoundError("the repository " + listing.repo + " has no .litertlm file");
  for (const RepoFile* f : candidates) {
    if (f->name == name + ".litertlm") return *f;
  }
  return **std::min_element(candidates.begin(), candidates.end(),
                            [](const RepoFile* a, const RepoFile* b) { return a->name < b->name; });
}

StatusOr<std::vector<RepoFile>> PickCheckpointFiles(const RepoListing& listing) {
  static const std::set<std::string> kNamed = {
      "config.json", "generation_config.json", "tokenizer.json", "tokenizer.model",
      std::string(kTokenizerConfigFile), std::string(kChatTemplateFile), "special_tokens_map.json",
      "model.safetensors.index.json"};
  std::vector<RepoFile> picked;
  bool config = false, weights = false, tokenizer = false;
  for (const RepoFile& f : listing.files) {
    if (!TopLevel(f.name)) continue;
    bool wanted = kNamed.count(f.name) > 0 || EndsWith(f.name, ".safetensors");
    if (!wanted) continue;
    config |= f.name == "config.json";
    weights |= EndsWith(f.name, ".safetensors");
    tokenizer |= f.name == "tokenizer.json" || f.name == "tokenizer.model";
    picked.push_back(f);
  }
  std::string missing;
  if (!config) missing += " config.json";
  if (!weights) missing += " *.safetensors";
  if (!tokenizer) missing += " tokenizer.json/tokenizer.model";
  if (!missing.empty())
    return NotFoundError("the repository " + listing.repo +
                         " is not a usable checkpoint: missing" + missing);
  std::stable_sort(picked.begin(), picked.end(), [](const RepoFile& a, const RepoFile& b) {
    return (a.name == "config.json") > (b.name == "config.json");
  });
  return picked;
}

Status CheckConvertibleConfig(const std::string& text, const std::string& repo) {
  std::string origin = repo + "/config.json";
  ASSIGN_OR_RETURN(auto doc, ParseJson(text, origin));
  if (!doc->IsObject()) return InvalidArgumentError(origin + ": not a JSON object");
  JsonObjectReader r(*doc, origin);
  ASSIGN_OR_RETURN(std::optional<std::string> type, r.String("model_type"));
  const ModelFamily* family = type ? FindFamilyByModelType(*type) : nullptr;
  if (family != nullptr && family->model_types[0] == *type) return Status::Ok();
  return InvalidArgumentError("unsupported model '" + repo + "': model_type '" +
                              type.value_or("(none)") + "' cannot be converted (" +
                              SupportedModelTypes() + " can). " + SupportedModelsText());
}

}  // namespace litertlm::hub
