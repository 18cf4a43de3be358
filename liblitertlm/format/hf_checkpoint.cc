#include "format/hf_checkpoint.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "format/safetensors.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace litertlm {
namespace fs = std::filesystem;

namespace {

StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Shard names come from the index file: plain file names in the same directory only.
bool IsPlainFileName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
         name.find('\0') == std::string::npos;
}

StatusOr<std::vector<std::string>> ShardsFromIndex(const std::string& dir,
                                                   const std::string& index_path) {
  ASSIGN_OR_RETURN(auto doc, ParseJsonFile(index_path));
  JsonObjectReader r(*doc, index_path);
  ASSIGN_OR_RETURN(const rapidjson::Value* map, r.Object("weight_map"));
  if (map == nullptr) return InvalidArgumentError(index_path + ": field 'weight_map' is missing");
  std::set<std::string> shards;
  for (auto it = map->MemberBegin(); it != map->MemberEnd(); ++it) {
    if (!it->value.IsString())
      return InvalidArgumentError(index_path + ": weight_map['" + it->name.GetString() +
                                  "'] is not a file name");
    std::string shard = it->value.GetString();
    if (!IsPlainFileName(shard))
      return InvalidArgumentError(index_path + ": shard name '" + shard + "' is not a plain file name");
    shards.insert(shard);
  }
  std::vector<std::string> paths;
  for (const std::string& s : shards) paths.push_back((fs::path(dir) / s).string());
  return paths;
}

}  // namespace

bool IsHfCheckpointDir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::exists(fs::path(path) / "config.json", ec);
}

StatusOr<HfCheckpoint> OpenHfCheckpoint(const std::string& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) return NotFoundError(directory + ": no such directory");
  HfCheckpoint ckpt;
  ckpt.directory = directory;
  ckpt.config_path = (fs::path(directory) / "config.json").string();
  if (!fs::exists(ckpt.config_path, ec)) return NotFoundError(ckpt.config_path + ": file not found");
  ASSIGN_OR_RETURN(ckpt.config_json, ReadTextFile(ckpt.config_path));

  const std::string index = (fs::path(directory) / "model.safetensors.index.json").string();
  const std::string single = (fs::path(directory) / "model.safetensors").string();
  std::vector<std::string> paths;
  if (fs::exists(index, ec)) {
    ASSIGN_OR_RETURN(paths, ShardsFromIndex(directory, index));
  } else if (fs::exists(single, ec)) {
    paths.push_back(single);
  } else {
    return NotFoundError(directory + ": no model.safetensors or model.safetensors.index.json");
  }
  ASSIGN_OR_RETURN(auto source, SafetensorsWeightSource::Open(paths, directory));
  ckpt.weights = std::move(source);
  return ckpt;
}

}  // namespace litertlm
