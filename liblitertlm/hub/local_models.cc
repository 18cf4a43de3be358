#include "hub/local_models.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "format/litertlm_reader.h"
#include "format/llm_metadata.pb.h"
#include "hub/hub_paths.h"
#include "util/pending_files.h"
#include "util/status_macros.h"

namespace litertlm::hub {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ExpandHome(const std::string& p) {
  if (p.rfind("~/", 0) != 0) return p;
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + p.substr(1) : p;
}

// Top-level regular *.litertlm files of `dir`, sorted.
std::vector<std::string> LitertlmFiles(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (EndsWith(name, ".litertlm") && it->is_regular_file(ec)) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The conversion output for a checkpoint directory outside the models directory: for
// ".../{name}/checkpoint" it is ".../{name}/{name}.litertlm", else "<dir>.litertlm".
std::string OutputForCheckpoint(const fs::path& dir) {
  fs::path d = dir.lexically_normal();
  if (!d.has_filename()) d = d.parent_path();
  if (d.filename() == "checkpoint" && d.has_parent_path()) {
    fs::path parent = d.parent_path();
    return (parent / (parent.filename().string() + ".litertlm")).string();
  }
  return d.string() + ".litertlm";
}

// What List reports about the files of one model directory: temporary files of dead processes
// are removed, those of live ones mark the model as converting and are not counted.
struct DirScan {
  uint64_t size = 0;
  bool any_file = false;
  bool converting = false;
  int64_t newest = 0;
};

DirScan ScanModelDir(const fs::path& dir) {
  DirScan scan;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_symlink(ec2) || !it->is_regular_file(ec2)) continue;
    if (std::optional<pid_t> owner = TempFileOwner(it->path().filename().string())) {
      if (ProcessIsGone(*owner)) {
        fs::remove(it->path(), ec2);
      } else {
        scan.converting = true;
      }
      continue;
    }
    scan.any_file = true;
    scan.size += it->file_size(ec2);
    const auto mtime = fs::last_write_time(it->path(), ec2);
    if (!ec2) {
      const auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::file_clock::to_sys(mtime).time_since_epoch());
      scan.newest = std::max<int64_t>(scan.newest, since_epoch.count());
    }
  }
  return scan;
}

std::string QuantizationOf(const fs::path& file) {
  format::ReaderOptions any_file;  // ours or Google's (TFLite model section, no weights section)
  any_file.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(file.string(), any_file);
  if (!reader.ok() || (*reader)->metadata() == nullptr) return "";
  return (*reader)->metadata()->conversion_info().quantization();
}

}  // namespace

uint64_t TreeSize(const std::string& path) {
  std::error_code ec;
  if (fs::is_symlink(path, ec)) return 0;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_symlink(ec)) continue;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

bool LocalModels::LooksLikePath(const std::string& model) {
  if (model.empty()) return false;
  if (model.front() == '/' || model.rfind("./", 0) == 0 || model.rfind("../", 0) == 0 ||
      model.rfind("~/", 0) == 0 || model == "." || model == "..")
    return true;
  if (EndsWith(model, ".litertlm")) return true;
  std::error_code ec;
  // A bare "org/name" that also exists relative to the current directory is still a name
  // unless it is a model on its own (a file or a directory with config.json).
  fs::path p(model);
  return fs::is_regular_file(p, ec) || fs::is_regular_file(p / "config.json", ec);
}

StatusOr<ResolvedModel> LocalModels::FromPath(const std::string& given) {
  std::error_code ec;
  fs::path p = fs::absolute(ExpandHome(given), ec).lexically_normal();
  ResolvedModel r;
  r.name = given;
  if (fs::is_regular_file(p, ec)) {
    if (!EndsWith(p.filename().string(), ".litertlm"))
      return InvalidArgumentError("model file " + given + " is not a .litertlm file");
    r.format = ModelFormat::kLitertlm;
    r.litertlm_path = p.string();
    return r;
  }
  if (fs::is_directory(p, ec)) {
    if (!fs::is_regular_file(p / "config.json", ec))
      return InvalidArgumentError("directory " + given +
                                  " is not a checkpoint: it has no config.json");
    r.format = ModelFormat::kCheckpoint;
    r.checkpoint_dir = p.string();
    r.litertlm_path = OutputForCheckpoint(p);
    return r;
  }
  return NotFoundError("model file or directory not found: " + given);
}

StatusOr<std::string> LocalModels::ModelDir(const std::string& repo) const {
  RETURN_IF_ERROR(ValidateRepoId(repo));
  return ResolveInside(dir_, repo);
}

StatusOr<std::optional<ResolvedModel>> LocalModels::FindByName(const std::string& repo) const {
  ASSIGN_OR_RETURN(std::string model_dir, ModelDir(repo));
  fs::path d(model_dir);
  std::string name = d.filename().string();
  std::error_code ec;
  if (!fs::is_directory(d, ec)) return std::optional<ResolvedModel>();
  ResolvedModel r;
  r.name = repo;
  std::vector<std::string> files = LitertlmFiles(d);
  if (!files.empty()) {
    auto exact = std::find(files.begin(), files.end(), name + ".litertlm");
    r.format = ModelFormat::kLitertlm;
    r.litertlm_path = (d / (exact != files.end() ? *exact : files.front())).string();
    return std::optional<ResolvedModel>(r);
  }
  fs::path ckpt = d / "checkpoint";
  if (fs::is_regular_file(ckpt / kCheckpointCompleteMarker, ec)) {
    r.format = ModelFormat::kCheckpoint;
    r.checkpoint_dir = ckpt.string();
    r.litertlm_path = (d / (name + ".litertlm")).string();
    return std::optional<ResolvedModel>(r);
  }
  return std::optional<ResolvedModel>();
}

StatusOr<std::vector<LocalModel>> LocalModels::List() const {
  std::vector<LocalModel> models;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return models;
  for (fs::directory_iterator org(dir_, ec), end; !ec && org != end; org.increment(ec)) {
    std::string org_name = org->path().filename().string();
    if (org_name.empty() || org_name[0] == '.' || !org->is_directory(ec) || org->is_symlink(ec))
      continue;
    std::error_code ec2;
    for (fs::directory_iterator m(org->path(), ec2); !ec2 && m != end; m.increment(ec2)) {
      std::string name = m->path().filename().string();
      if (name.empty() || name[0] == '.' || !m->is_directory(ec2) || m->is_symlink(ec2)) continue;
      const DirScan scan = ScanModelDir(m->path());
      if (!scan.any_file && !scan.converting) continue;  // e.g. left by a failed conversion
      LocalModel lm;
      lm.name = org_name + "/" + name;
      lm.path = m->path().string();
      lm.size_bytes = scan.size;
      lm.converting = scan.converting;
      lm.modified_unix_seconds = scan.newest;
      lm.litertlm_files = LitertlmFiles(m->path());
      if (!lm.litertlm_files.empty())
        lm.quantization = QuantizationOf(m->path() / lm.litertlm_files[0]);
      lm.has_checkpoint = fs::is_directory(m->path() / "checkpoint", ec2);
      lm.checkpoint_complete =
          fs::is_regular_file(m->path() / "checkpoint" / kCheckpointCompleteMarker, ec2);
      models.push_back(std::move(lm));
    }
  }
  std::sort(models.begin(), models.end(),
            [](const LocalModel& a, const LocalModel& b) { return a.name < b.name; });
  return models;
}

StatusOr<uint64_t> LocalModels::Remove(const std::string& model) const {
  std::error_code ec;
  fs::path root = fs::path(dir_).lexically_normal();
  fs::path target;
  // "org/name" is always a name here (even if the current directory has such a path).
  if (!ValidateRepoId(model).ok()) {
    fs::path p = fs::absolute(ExpandHome(model), ec).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    if (!IsInside(dir_, p.string()))
      return PermissionDeniedError("refusing to remove " + model +
                                   ": it is outside the models directory " + dir_);
    // The model owning `p`: its first two components below the models directory.
    fs::path rel = p.lexically_relative(root);
    auto it = rel.begin();
    if (rel.empty() || *it == "." || *it == ".." || std::distance(rel.begin(), rel.end()) < 2)
      return PermissionDeniedError("refusing to remove " + model +
                                   ": name a model (ORG/NAME) inside the models directory " +
                                   dir_);
    fs::path org = *it++;
    target = root / org / *it;
  } else {
    ASSIGN_OR_RETURN(std::string d, ModelDir(model));
    target = d;
  }
  if (!fs::exists(fs::symlink_status(target, ec)))
    return NotFoundError("model not found in the models directory " + dir_ + ": " + model);
  ASSIGN_OR_RETURN(std::string checked, ResolveInside(dir_, target.lexically_relative(root).string()));
  uint64_t freed = TreeSize(checked);
  fs::remove_all(checked, ec);
  if (ec) return UnknownError("cannot remove " + checked + ": " + ec.message());
  fs::path org_dir = fs::path(checked).parent_path();
  if (fs::is_empty(org_dir, ec) && !ec) fs::remove(org_dir, ec);
  return freed;
}

}  // namespace litertlm::hub
