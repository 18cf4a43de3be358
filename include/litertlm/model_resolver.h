// File: litertlm/model_resolver.h
// From what a user names — a .litertlm file, a checkpoint directory, a .gguf file or a model name
// ("Qwen/Qwen3-0.6B", "litert-community/Qwen3-0.6B") — to a file an Engine loads: the name is
// looked up in the models directory and pulled from the Hugging Face Hub when missing (ModelStore,
// litertlm/hub.h); a checkpoint or a .gguf file is converted (Convert, litertlm/converter.h) once
// and the .litertlm kept in the models directory for the next time. The CLI's run, serve and bench
// commands, a server and an app resolve models the same way through this one call.
//
//   litertlm::ModelResolveOptions options;
//   options.store.offline = true;                          // ModelStoreOptions: dir, Hub, progress
//   options.convert.quantization = litertlm::Quantization::kDynamicInt8;
//   options.on_event = [](const litertlm::ModelResolveEvent& e) { /* show what happens */ };
//   auto path = litertlm::EnsureRunnableModel("Qwen/Qwen3-0.6B", options);
//   if (!path.ok()) return path.status();
//   auto engine = litertlm::Engine::Create(*path);
//
// Converted .gguf files go to {models_dir}/local/{stem}/{stem}.litertlm, with a record of the
// source's identity beside it ("<output>.source", SourceFingerprint): a .gguf file that changed
// since (re-downloaded, truncated, replaced) is converted again.
//
// Thread-safety: as ModelStore and Convert: one call at a time per models directory; callbacks
// run on the calling thread.
#ifndef LITERTLM_MODEL_RESOLVER_H_
#define LITERTLM_MODEL_RESOLVER_H_

#include <functional>
#include <string>

#include "litertlm/converter.h"
#include "litertlm/export.h"
#include "litertlm/hub.h"
#include "litertlm/status.h"

namespace litertlm {

// Why EnsureRunnableModel converts.
enum class ConvertReason {
  kGgufNotConverted,   // a .gguf file with no conversion yet
  kGgufUnrecorded,     // a conversion exists but no record says what it was converted from
  kGgufChanged,        // the .gguf file changed (size, date or content) since it was converted
  kDownloadedCheckpoint,  // a checkpoint this call downloaded from the Hub
  kLocalCheckpoint,    // a checkpoint already in the models directory
};

struct ModelResolveEvent {
  enum class Kind {
    kFound,       // `path` was already there: nothing downloaded, nothing converted
    kConverting,  // `source` is about to be converted into `path` (ConvertOptions::on_progress next)
    kConverted,   // `source` was converted into `path`; `conversion` is the result
  };
  Kind kind = Kind::kFound;
  std::string path;    // the .litertlm file
  std::string source;  // kConverting, kConverted: the .gguf file or checkpoint directory
  ConvertReason reason = ConvertReason::kGgufNotConverted;  // kConverting
  const ConvertResult* conversion = nullptr;                // kConverted; valid during the call
};

struct ModelResolveOptions {
  // The models directory, offline mode, Hub revision and download progress (litertlm/hub.h).
  ModelStoreOptions store;
  // Options of a conversion; source_name "" = the model as named.
  ConvertOptions convert;
  // Each step, as it happens. May be empty.
  std::function<void(const ModelResolveEvent&)> on_event;
};

// Returns the path of a .litertlm file (or a checkpoint directory) that Engine::Create loads.
// An existing path that is not a .gguf file (a .litertlm or .tflite file, a checkpoint directory)
// is returned as given, without opening the models directory. A .gguf file is converted unless
// its recorded conversion is current. Anything else is a model name: ModelStore::Pull (local
// first, else downloaded; never downloads when offline), then, for a checkpoint, converted unless
// its .litertlm exists. Errors are those of ModelStore::Open/Pull (NOT_FOUND naming the model when
// offline and not local, INVALID_ARGUMENT listing the supported names) and of Convert.
LITERTLM_API StatusOr<std::string> EnsureRunnableModel(const std::string& model,
                                                       const ModelResolveOptions& options = {});

// Where EnsureRunnableModel puts the conversion of `gguf_path`:
// {models_dir}/local/{stem}/{stem}.litertlm.
LITERTLM_API std::string GgufConversionPath(const std::string& models_dir,
                                            const std::string& gguf_path);

// Records beside `output_path` ("<output_path>.source") the SourceFingerprint of `source`, the
// .gguf file it was converted from, so that EnsureRunnableModel finds it current. Written
// atomically; an error leaves no record (the next EnsureRunnableModel converts again).
LITERTLM_API Status RecordConversionSource(const std::string& output_path, const std::string& source);

}  // namespace litertlm

#endif  // LITERTLM_MODEL_RESOLVER_H_
