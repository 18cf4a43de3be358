// Validation of names that come from the user or the network, and path resolution that never
// leaves the models directory. Pure functions (no I/O except ResolveInside's symlink check).
#ifndef LITERTLM_HUB_HUB_PATHS_H_
#define LITERTLM_HUB_HUB_PATHS_H_

#include <string>
#include <string_view>

#include "litertlm/status.h"

namespace litertlm::hub {

// A Hugging Face repository id "org/name": exactly two components, each 1..96 characters of
// [A-Za-z0-9._-], not starting or ending with '.' or '-', no "..", no "--". INVALID_ARGUMENT
// naming the id otherwise.
Status ValidateRepoId(std::string_view repo_id);

// A file name inside a repository as listed by the Hub (rfilename): relative, '/'-separated,
// no empty, "." or ".." component, no backslash, no control characters, at most 255 bytes per
// component and 1024 in total.
Status ValidateRepoFilename(std::string_view filename);

// Joins `relative` (already validated) under `root` and checks that the lexically normalised
// result, and the canonical form of its deepest existing ancestor (symlinks resolved), stay
// strictly inside `root`. Returns the joined absolute path.
StatusOr<std::string> ResolveInside(const std::string& root, const std::string& relative);

// True when `path` (made absolute and symlink-resolved where it exists) is `root` itself or lies
// inside it.
bool IsInside(const std::string& root, const std::string& path);

// Inputs that choose the models directory, in priority order.
struct ModelsDirSources {
  std::string flag;             // --models-dir
  std::string env_models_dir;   // LITERTLM_MODELS_DIR
  std::string xdg_cache_home;   // XDG_CACHE_HOME
  std::string home;             // HOME
};
// flag > LITERTLM_MODELS_DIR > $XDG_CACHE_HOME/litert-lm/models > $HOME/.cache/litert-lm/models.
// A relative XDG_CACHE_HOME is ignored (XDG spec). Errors when nothing usable is set.
StatusOr<std::string> ChooseModelsDir(const ModelsDirSources& sources);
// The same, read from the process environment.
StatusOr<std::string> ModelsDirFromEnvironment(const std::string& flag);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_HUB_PATHS_H_
