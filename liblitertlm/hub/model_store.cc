// litertlm::ModelStore (include/litertlm/hub.h): name resolution, then the Hub downloads.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits.h>
#include <sstream>

#include "hub/hub_client.h"
#include "hub/hub_paths.h"
#include "hub/local_models.h"
#include "hub/model_names.h"
#include "litertlm/hub.h"
#include "util/atomic_file.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;

bool EnvTrue(const hub::EnvLookup& env, const char* name) {
  std::string v = env(name).value_or("");
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

std::string CurrentDir() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string(".");
}

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

class ModelStore::Impl {
 public:
  Impl(ModelStoreOptions options, std::string dir)
      : options_(std::move(options)), local_(std::move(dir)) {}

  const std::string& dir() const { return local_.dir(); }
  bool offline() const { return options_.offline; }

  StatusOr<ResolvedModel> Find(const std::string& model) const {
    if (hub::LocalModels::LooksLikePath(model)) return hub::LocalModels::FromPath(model);
    if (!hub::ValidateRepoId(model).ok()) return hub::ClassifyModelName(model).status();
    // A model already in the directory runs whatever its name; others must be supported.
    ASSIGN_OR_RETURN(std::optional<ResolvedModel> found, local_.FindByName(model));
    if (found) return *found;
    RETURN_IF_ERROR(hub::ClassifyModelName(model).status());
    return NotFoundError("model " + model + " is not in the models directory " + dir() +
                         (offline() ? " and offline mode is on (--offline or HF_HUB_OFFLINE=1); "
                                      "run `litert-lm-cli pull " + model + "` while online"
                                    : ""));
  }

  StatusOr<ResolvedModel> Pull(const std::string& model) {
    StatusOr<ResolvedModel> found = Find(model);
    if (found.ok() || found.status().code() != StatusCode::kNotFound || offline() ||
        hub::LocalModels::LooksLikePath(model))
      return found;
    ASSIGN_OR_RETURN(hub::ModelName name, hub::ClassifyModelName(model));
    return DownloadOrCleanUp(name);
  }

  StatusOr<ResolvedModel> PullCheckpoint(const std::string& model) {
    if (hub::LocalModels::LooksLikePath(model)) {
      ASSIGN_OR_RETURN(ResolvedModel r, hub::LocalModels::FromPath(model));
      if (!r.needs_conversion())
        return InvalidArgumentError(model + " is a .litertlm file, not a checkpoint to convert");
      return r;
    }
    ASSIGN_OR_RETURN(hub::ModelName name, hub::ClassifyModelName(model));
    if (name.source != hub::ModelSource::kConvertible)
      return InvalidArgumentError(model + " is pre-converted (a .litertlm on the Hub); only " +
                                  "Qwen/* and google/* checkpoints are converted");
    ASSIGN_OR_RETURN(std::string model_dir, local_.ModelDir(name.repo));
    fs::path ckpt = fs::path(model_dir) / "checkpoint";
    std::error_code ec;
    if (fs::is_regular_file(ckpt / hub::kCheckpointCompleteMarker, ec)) {
      ResolvedModel r;
      r.name = name.repo;
      r.format = ModelFormat::kCheckpoint;
      r.checkpoint_dir = ckpt.string();
      r.litertlm_path = (fs::path(model_dir) / (name.name + ".litertlm")).string();
      return r;
    }
    if (offline())
      return NotFoundError("the checkpoint of " + model + " is not in the models directory " +
                           dir() + " and offline mode is on (--offline or HF_HUB_OFFLINE=1)");
    return DownloadOrCleanUp(name);
  }

  StatusOr<std::vector<LocalModel>> List() const { return local_.List(); }
  StatusOr<uint64_t> Remove(const std::string& model) { return local_.Remove(model); }

 private:
  // Removes the directories a failed download created, when they hold nothing (a partial file
  // kept for resuming keeps them).
  void RemoveEmptyDirs(const std::string& model_dir) const {
    std::error_code ec;
    fs::path d(model_dir);
    for (fs::path p : {d / "checkpoint", d, d.parent_path()}) {
      if (fs::is_directory(p, ec) && fs::is_empty(p, ec)) fs::remove(p, ec);
    }
  }

  StatusOr<ResolvedModel> DownloadOrCleanUp(const hub::ModelName& name) {
    ASSIGN_OR_RETURN(std::string model_dir, local_.ModelDir(name.repo));
    std::error_code ec;
    const bool existed = fs::exists(model_dir, ec);
    StatusOr<ResolvedModel> r = Download(name, model_dir);
    if (!r.ok() && !existed) RemoveEmptyDirs(model_dir);
    return r;
  }

  StatusOr<ResolvedModel> Download(const hub::ModelName& name, const std::string& model_dir) {
    ASSIGN_OR_RETURN(hub::HubConfig config,
                     hub::HubConfigFromEnvironment(hub::ProcessEnvironment(), CurrentDir()));
    hub::HubClient client(std::move(config));
    Message("Model not found locally. Downloading from Hugging Face...");
    Message("Downloading model from " + client.config().endpoint + "/" + name.repo + "/...");
    ASSIGN_OR_RETURN(hub::RepoListing listing, client.ListFiles(name.repo, options_.revision));
    std::string revision = listing.commit.empty() ? options_.revision : listing.commit;
    ResolvedModel r;
    r.name = name.repo;
    r.downloaded = true;
    if (name.source == hub::ModelSource::kPreconverted) {
      ASSIGN_OR_RETURN(hub::RepoFile file, hub::PickLitertlmFile(listing, name.name));
      ASSIGN_OR_RETURN(std::string dest, hub::ResolveInside(dir(), name.repo + "/" + file.name));
      RETURN_IF_ERROR(Fetch(client, name.repo, revision, file, dest));
      r.format = ModelFormat::kLitertlm;
      r.litertlm_path = dest;
    } else {
      RETURN_IF_ERROR(FetchCheckpoint(client, name, listing, revision));
      r.format = ModelFormat::kCheckpoint;
      r.checkpoint_dir = (fs::path(model_dir) / "checkpoint").string();
      r.litertlm_path = (fs::path(model_dir) / (name.name + ".litertlm")).string();
    }
    Message("\u2713 Model downloaded successfully");
    return r;
  }

  void Message(const std::string& line) const {
    if (options_.on_message) options_.on_message(line);
  }

  Status Fetch(hub::HubClient& client, const std::string& repo, const std::string& revision,
               const hub::RepoFile& file, const std::string& dest) {
    std::error_code ec;
    if (fs::is_regular_file(dest, ec)) return Status::Ok();  // renamed in only when verified
    auto progress = [&](const hub::FileProgress& p) {
      if (!options_.on_progress) return;
      DownloadProgress d;
      d.model = repo;
      d.file = p.file;
      d.bytes_done = p.bytes_done;
      d.bytes_total = p.bytes_total;
      d.bytes_per_second = p.bytes_per_second;
      d.finished = p.finished;
      options_.on_progress(d);
    };
    return client.Download(repo, revision, file, dest, progress);
  }

  Status FetchCheckpoint(hub::HubClient& client, const hub::ModelName& name,
                         const hub::RepoListing& listing, const std::string& revision) {
    ASSIGN_OR_RETURN(std::vector<hub::RepoFile> files, hub::PickCheckpointFiles(listing));
    std::string rel = name.repo + "/checkpoint/";
    bool created = !fs::exists(fs::path(dir()) / name.repo);
    for (const hub::RepoFile& f : files) {
      ASSIGN_OR_RETURN(std::string dest, hub::ResolveInside(dir(), rel + f.name));
      RETURN_IF_ERROR(Fetch(client, name.repo, revision, f, dest));
      if (f.name != "config.json") continue;
      ASSIGN_OR_RETURN(std::string text, ReadSmallFile(dest));
      Status convertible = hub::CheckConvertibleConfig(text, name.repo);
      if (!convertible.ok()) {
        std::error_code ec;
        if (created) fs::remove_all(fs::path(dir()) / name.repo, ec);
        return convertible;
      }
    }
    ASSIGN_OR_RETURN(std::string marker,
                     hub::ResolveInside(dir(), rel + hub::kCheckpointCompleteMarker));
    std::string content = "repo " + name.repo + "\ncommit " + listing.commit + "\n";
    for (const hub::RepoFile& f : files) content += "file " + f.name + "\n";
    return WriteFileAtomically(marker, content.data(), content.size());
  }

  ModelStoreOptions options_;
  hub::LocalModels local_;
};

ModelStore::ModelStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelStore::~ModelStore() = default;

StatusOr<std::unique_ptr<ModelStore>> ModelStore::Open(ModelStoreOptions options) {
  ASSIGN_OR_RETURN(std::string dir, hub::ModelsDirFromEnvironment(options.models_dir));
  hub::EnvLookup env = hub::ProcessEnvironment();
  if (EnvTrue(env, "HF_HUB_OFFLINE") || EnvTrue(env, "TRANSFORMERS_OFFLINE"))
    options.offline = true;
  return std::unique_ptr<ModelStore>(
      new ModelStore(std::make_unique<Impl>(std::move(options), std::move(dir))));
}

const std::string& ModelStore::models_dir() const { return impl_->dir(); }
bool ModelStore::offline() const { return impl_->offline(); }
StatusOr<ResolvedModel> ModelStore::Find(const std::string& model) const {
  return impl_->Find(model);
}
StatusOr<ResolvedModel> ModelStore::Pull(const std::string& model) { return impl_->Pull(model); }
StatusOr<ResolvedModel> ModelStore::PullCheckpoint(const std::string& model) {
  return impl_->PullCheckpoint(model);
}
StatusOr<std::vector<LocalModel>> ModelStore::List() const { return impl_->List(); }
StatusOr<uint64_t> ModelStore::Remove(const std::string& model) { return impl_->Remove(model); }
std::vector<std::string> ModelStore::SupportedModels() { return hub::SupportedModels(); }

}  // namespace litertlm
