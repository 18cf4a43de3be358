// The models directory on disk: finding a model without network, listing, removing. Every path
// built from a name goes through ResolveInside, so nothing here reaches outside the directory.
#ifndef LITERTLM_HUB_LOCAL_MODELS_H_
#define LITERTLM_HUB_LOCAL_MODELS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "litertlm/hub.h"
#include "litertlm/status.h"

namespace litertlm::hub {

// Written into checkpoint/ once every checkpoint file is in place.
inline constexpr const char* kCheckpointCompleteMarker = ".download-complete";

class LocalModels {
 public:
  explicit LocalModels(std::string models_dir) : dir_(std::move(models_dir)) {}
  const std::string& dir() const { return dir_; }

  // True when `model` should be read as a file system path rather than "org/name": it is
  // absolute, starts with "./", "../" or "~/", ends in ".litertlm", or exists on disk and is
  // not a bare "org/name" pair.
  static bool LooksLikePath(const std::string& model);
  // A .litertlm file or a checkpoint directory given by path.
  static StatusOr<ResolvedModel> FromPath(const std::string& path);

  // {models_dir}/{org}/{name}, checked to stay inside the models directory.
  StatusOr<std::string> ModelDir(const std::string& repo) const;
  // The local state of "org/name": nullopt when nothing usable is there.
  StatusOr<std::optional<ResolvedModel>> FindByName(const std::string& repo) const;

  StatusOr<std::vector<LocalModel>> List() const;
  // `model` is "org/name" when it parses as one, else a path that must lie inside the models
  // directory (the model owning it is removed).
  StatusOr<uint64_t> Remove(const std::string& model) const;

 private:
  std::string dir_;
};

// Sum of the sizes of the regular files under `path` (symbolic links are not followed).
uint64_t TreeSize(const std::string& path);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_LOCAL_MODELS_H_
