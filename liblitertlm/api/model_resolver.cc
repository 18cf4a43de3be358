// EnsureRunnableModel (litertlm/model_resolver.h): a model name or path → a loadable file, pulling
// through the public ModelStore and converting through the public Convert.
#include "litertlm/model_resolver.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

#include "util/atomic_file.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;

bool IsGgufFile(const std::string& path) {
  std::error_code ec;
  return fs::path(path).extension() == ".gguf" && fs::is_regular_file(path, ec);
}

std::string SourceRecordPath(const std::string& output) { return output + ".source"; }

// Whether `output` must be (re)converted from `gguf`, and why; nullopt when it is current (it
// exists and its record matches the file as it is now).
std::optional<ConvertReason> GgufConversionNeeded(const std::string& output, const std::string& gguf) {
  std::error_code ec;
  if (!fs::exists(output, ec)) return ConvertReason::kGgufNotConverted;
  std::ifstream in(SourceRecordPath(output));
  std::string recorded((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!recorded.empty() && recorded.back() == '\n') recorded.pop_back();
  StatusOr<std::string> now = SourceFingerprint(gguf);
  if (now.ok() && *now == recorded) return std::nullopt;
  return recorded.empty() ? ConvertReason::kGgufUnrecorded : ConvertReason::kGgufChanged;
}

class Resolution {
 public:
  Resolution(const std::string& model, const ModelResolveOptions& options)
      : options_(options), convert_(options.convert) {
    if (convert_.source_name.empty()) convert_.source_name = model;
  }

  void Found(const std::string& path) const {
    if (options_.on_event) options_.on_event({ModelResolveEvent::Kind::kFound, path, "", {}, nullptr});
  }

  Status Convert(const std::string& source, const std::string& output, ConvertReason reason) const {
    if (options_.on_event)
      options_.on_event({ModelResolveEvent::Kind::kConverting, output, source, reason, nullptr});
    ASSIGN_OR_RETURN(ConvertResult result, litertlm::Convert(source, output, convert_));
    // A conversion without a record is converted again next time: safe, so a failed record is
    // not an error of this call.
    if (IsGgufFile(source)) (void)RecordConversionSource(output, source);
    if (options_.on_event)
      options_.on_event({ModelResolveEvent::Kind::kConverted, output, source, reason, &result});
    return Status::Ok();
  }

 private:
  const ModelResolveOptions& options_;
  ConvertOptions convert_;
};

}  // namespace

std::string GgufConversionPath(const std::string& models_dir, const std::string& gguf_path) {
  const std::string stem = fs::path(gguf_path).stem().string();
  return (fs::path(models_dir) / "local" / stem / (stem + ".litertlm")).string();
}

Status RecordConversionSource(const std::string& output_path, const std::string& source) {
  ASSIGN_OR_RETURN(std::string fingerprint, SourceFingerprint(source));
  fingerprint += "\n";
  return WriteFileAtomically(SourceRecordPath(output_path), fingerprint.data(), fingerprint.size());
}

StatusOr<std::string> EnsureRunnableModel(const std::string& model, const ModelResolveOptions& options) {
  std::error_code ec;
  if (fs::exists(model, ec) && !IsGgufFile(model)) return model;
  ASSIGN_OR_RETURN(std::unique_ptr<ModelStore> store, ModelStore::Open(options.store));
  const Resolution resolution(model, options);
  if (IsGgufFile(model)) {
    const std::string out = GgufConversionPath(store->models_dir(), model);
    const std::optional<ConvertReason> reason = GgufConversionNeeded(out, model);
    if (!reason) {
      resolution.Found(out);
      return out;
    }
    RETURN_IF_ERROR(resolution.Convert(model, out, *reason));
    return out;
  }
  ASSIGN_OR_RETURN(ResolvedModel resolved, store->Pull(model));
  if (!resolved.needs_conversion()) {
    if (!resolved.downloaded) resolution.Found(resolved.litertlm_path);
    return resolved.litertlm_path;
  }
  if (fs::exists(resolved.litertlm_path, ec)) {
    resolution.Found(resolved.litertlm_path);
    return resolved.litertlm_path;
  }
  RETURN_IF_ERROR(resolution.Convert(resolved.checkpoint_dir, resolved.litertlm_path,
                                     resolved.downloaded ? ConvertReason::kDownloadedCheckpoint
                                                         : ConvertReason::kLocalCheckpoint));
  return resolved.litertlm_path;
}

}  // namespace litertlm
