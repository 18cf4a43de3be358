// File: litertlm/hub.h
// ModelStore: the local models directory and the Hugging Face Hub downloads that fill it.
//
//   litertlm::ModelStoreOptions options;            // models dir, offline, progress callbacks
//   auto store = litertlm::ModelStore::Open(options);
//   if (!store.ok()) return store.status();
//   auto model = (*store)->Pull("litert-community/Qwen3-0.6B");   // local, else download
//   if (!model.ok()) return model.status();
//   if (model->needs_conversion()) {
//     // convert model->checkpoint_dir into model->litertlm_path, then load that file
//   } else {
//     // load model->litertlm_path
//   }
//
// Models directory: ModelStoreOptions::models_dir, else $LITERTLM_MODELS_DIR, else
// $XDG_CACHE_HOME/litert-lm/models, else ~/.cache/litert-lm/models. Layout:
//   {org}/{name}/checkpoint/           Hugging Face files (config.json, *.safetensors, tokenizer)
//   {org}/{name}/{name}.litertlm       the converted model
//   litert-community/{name}/<file>.litertlm   a pre-converted download
// Hub: endpoint from HF_ENDPOINT (default https://huggingface.co); token from HF_TOKEN, then a
// file named HF_TOKEN in the current directory, then in its parent, then the Hugging Face token
// file (HF_TOKEN_PATH, $HF_HOME/token or ~/.cache/huggingface/token). The token is sent only as
// an Authorization header to the Hub endpoint and never appears in any message.
// Offline (ModelStoreOptions::offline, HF_HUB_OFFLINE=1): no network call is ever made.
//
// Thread-safety: a ModelStore is used by one thread at a time. Callbacks run on that thread.
#ifndef LITERTLM_HUB_H_
#define LITERTLM_HUB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "litertlm/export.h"
#include "litertlm/status.h"

namespace litertlm {

struct DownloadProgress {
  std::string model;              // "org/name"
  std::string file;               // file name inside the repository
  uint64_t bytes_done = 0;        // includes bytes resumed from an earlier run
  uint64_t bytes_total = 0;       // 0 when unknown
  double bytes_per_second = 0;    // average over this transfer
  bool finished = false;          // last call for this file
};

struct ModelStoreOptions {
  // "" → LITERTLM_MODELS_DIR → $XDG_CACHE_HOME/litert-lm/models → ~/.cache/litert-lm/models.
  std::string models_dir;
  // No network at all. Also switched on by HF_HUB_OFFLINE=1 (or TRANSFORMERS_OFFLINE=1).
  bool offline = false;
  // Branch, tag or commit to download.
  std::string revision = "main";
  // Called about 5 times a second per file while downloading, and once with finished=true.
  std::function<void(const DownloadProgress&)> on_progress;
  // One human-readable line per step ("Downloading model from https://...").
  std::function<void(const std::string&)> on_message;
};

enum class ModelFormat {
  kLitertlm,    // litertlm_path is a .litertlm file ready to load
  kCheckpoint,  // checkpoint_dir must be converted into litertlm_path first
};

struct ResolvedModel {
  std::string name;            // "org/name", or the path as given
  ModelFormat format = ModelFormat::kLitertlm;
  std::string litertlm_path;   // kLitertlm: the file; kCheckpoint: where to write the conversion
  std::string checkpoint_dir;  // kCheckpoint: directory with config.json, weights, tokenizer
  bool downloaded = false;     // true when this call fetched files from the Hub
  bool needs_conversion() const { return format == ModelFormat::kCheckpoint; }
};

struct LocalModel {
  std::string name;                         // "org/name"
  std::string path;                         // its directory
  uint64_t size_bytes = 0;                  // every file it owns, partial downloads included
  std::vector<std::string> litertlm_files;  // file names of the .litertlm files
  bool has_checkpoint = false;              // a checkpoint/ directory exists
  bool checkpoint_complete = false;         // ...and every file of it was downloaded
  bool converting = false;  // a conversion into this directory is running (a live .tmp.<pid>)
  // The --quantize of its first .litertlm file ("dynamic_int8", ...; "" when unknown or none).
  std::string quantization;
  // Last modification of its newest file, seconds since the Unix epoch (0 when it has none).
  int64_t modified_unix_seconds = 0;
};

class LITERTLM_API ModelStore {
 public:
  // Chooses the models directory (it is created on the first download). Errors when no
  // directory can be chosen.
  static StatusOr<std::unique_ptr<ModelStore>> Open(ModelStoreOptions options = {});
  ~ModelStore();
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  const std::string& models_dir() const;
  bool offline() const;

  // Resolves `model` without any network access: a path to a .litertlm file or a checkpoint
  // directory, or "org/name" already in the models directory (its .litertlm first, else a
  // complete checkpoint). NOT_FOUND naming the model when it is not local; INVALID_ARGUMENT
  // listing the supported models when the name is not one.
  StatusOr<ResolvedModel> Find(const std::string& model) const;

  // Find(), else download: litert-community/* → the repository's .litertlm; Qwen/*, google/*
  // → the checkpoint files into {org}/{name}/checkpoint/ (format kCheckpoint). Offline: never
  // downloads, NOT_FOUND naming the model. Hub errors say what to do (HF_TOKEN, licence steps).
  StatusOr<ResolvedModel> Pull(const std::string& model);

  // For `convert`: the checkpoint of a Qwen/* or google/* model (or a checkpoint directory given
  // by path), downloaded when missing even if a converted .litertlm already exists. Always
  // format kCheckpoint; litertlm_path is where the conversion should be written.
  // INVALID_ARGUMENT for litert-community/* and .litertlm paths (nothing to convert).
  StatusOr<ResolvedModel> PullCheckpoint(const std::string& model);

  // Every {org}/{name} directory in the models directory that holds any file, sorted by name.
  // Temporary files of conversions whose process is gone ("*.tmp.<pid>", left by SIGKILL or a
  // power loss) are removed on the way; those of running conversions are reported (converting)
  // and not counted in size_bytes.
  StatusOr<std::vector<LocalModel>> List() const;

  // Deletes every file of `model` ("org/name", or a path inside the models directory) and
  // returns the bytes freed. PERMISSION_DENIED for paths outside the models directory.
  StatusOr<uint64_t> Remove(const std::string& model);

  // The documented model names, e.g. for --help and error messages.
  static std::vector<std::string> SupportedModels();

 private:
  class Impl;
  explicit ModelStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace litertlm

#endif  // LITERTLM_HUB_H_
