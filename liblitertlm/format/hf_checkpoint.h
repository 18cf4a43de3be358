// A Hugging Face checkpoint directory: config.json plus model.safetensors, or
// model.safetensors.index.json with its shards.
#ifndef LITERTLM_FORMAT_HF_CHECKPOINT_H_
#define LITERTLM_FORMAT_HF_CHECKPOINT_H_

#include <memory>
#include <string>

#include "format/weight_source.h"
#include "litertlm/status.h"

namespace litertlm {

struct HfCheckpoint {
  std::string directory;
  std::string config_path;
  std::string config_json;                 // config.json, verbatim
  std::unique_ptr<WeightSource> weights;   // every shard, mmap'd
};

// True when `path` is a directory holding a config.json.
bool IsHfCheckpointDir(const std::string& path);

// Opens the checkpoint at `directory`. NOT_FOUND names the missing file; malformed index or
// shard files are INVALID_ARGUMENT naming the file (and tensor).
StatusOr<HfCheckpoint> OpenHfCheckpoint(const std::string& directory);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_HF_CHECKPOINT_H_
