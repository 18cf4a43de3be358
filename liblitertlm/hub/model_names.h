// Which model names the CLI knows and which repository files each kind of model needs. Pure
// functions over names and Hub listings (no I/O), so they are unit-tested directly.
#ifndef LITERTLM_HUB_MODEL_NAMES_H_
#define LITERTLM_HUB_MODEL_NAMES_H_

#include <string>
#include <vector>

#include "hub/hub_client.h"
#include "litertlm/status.h"

namespace litertlm::hub {

enum class ModelSource {
  kPreconverted,  // litert-community/*: the repository holds a ready .litertlm
  kConvertible,   // Qwen/*, google/*: a Hugging Face checkpoint to convert
};

struct ModelName {
  std::string repo;  // "org/name"
  std::string org;
  std::string name;
  ModelSource source;
};

// The models we document as supported, for error messages and --help.
const std::vector<std::string>& SupportedModels();
// "Supported models:\n  litert-community/Qwen3-0.6B (pre-converted)\n  ..." (no trailing newline).
std::string SupportedModelsText();

// Classifies a repository id: litert-community/* → kPreconverted, Qwen/* and google/* →
// kConvertible (the config.json's model_type is checked after download by IsConvertibleConfig),
// anything else → INVALID_ARGUMENT listing the supported models.
StatusOr<ModelName> ClassifyModelName(const std::string& model);

// The .litertlm file to download from a pre-converted repository: "<name>.litertlm" when
// present, else the only top-level .litertlm, else the lexicographically first one. NOT_FOUND
// when the repository has none.
StatusOr<RepoFile> PickLitertlmFile(const RepoListing& listing, const std::string& name);

// The checkpoint files to download, config.json first: config.json, generation_config.json,
// tokenizer.json, tokenizer.model, tokenizer_config.json, chat_template.jinja,
// special_tokens_map.json, model.safetensors.index.json and every top-level *.safetensors. NOT_FOUND naming what is
// missing when there is no config.json, no .safetensors or no tokenizer.
StatusOr<std::vector<RepoFile>> PickCheckpointFiles(const RepoListing& listing);

// True when a config.json's model_type is one the converter handles (the text model_type of a
// format/model_family.cc row, model_types[0]: qwen3, gemma3_text, llama).
// INVALID_ARGUMENT naming the type and listing the supported models otherwise.
Status CheckConvertibleConfig(const std::string& config_json_text, const std::string& repo);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_MODEL_NAMES_H_
