// The CLI's side of model resolution: what `pull`, `convert`, `run`, `serve` and `bench` print
// while a model is found, downloaded or converted (progress bar on a terminal, plain lines
// otherwise; see FancyProgress in hub_cli.h). The resolution itself is the library's
// (litertlm/model_resolver.h).
#ifndef LITERTLM_CLI_MODEL_RESOLUTION_H_
#define LITERTLM_CLI_MODEL_RESOLUTION_H_

#include <functional>
#include <string>

#include "hub_cli.h"
#include "litertlm/converter.h"
#include "litertlm/hub.h"
#include "litertlm/status.h"

namespace litertlm::cli {

// True for an existing regular file named *.gguf.
bool IsGgufFile(const std::string& path);

// Where a converted .gguf goes when no --output-dir is given (GgufConversionPath):
// {models_dir}/local/{stem}/{stem}.litertlm.
std::string GgufOutputPath(const ModelStore& store, const std::string& gguf_path);

// A progress callback for ConvertOptions::on_progress: a redrawn bar "tensor i/N, bytes, ETA"
// on a terminal, one line per ~10 % otherwise. Never cancels.
std::function<bool(const ConvertProgress&)> MakeConvertProgressPrinter();

// The validation table (top-1 agreement, mean KL, max |Δlogit|, threshold) on stderr.
void PrintValidationReport(const ValidationReport& report);

// Converts `source` into `output_path` with progress and the validation table; prints the seeds'
// "✓ Model successfully converted!" and the output path. A .gguf source's identity is recorded
// beside the output (RecordConversionSource) for EnsureRunnableModel.
StatusOr<ConvertResult> ConvertWithProgress(const std::string& source,
                                            const std::string& output_path,
                                            const ConvertOptions& options);

// litertlm::EnsureRunnableModel with the models-directory flags, printing each step: "✓ Model
// already exists at ...", why a conversion starts, then as ConvertWithProgress. An existing path
// that is not a .gguf file is returned as given. Ctrl-C during the conversion removes its
// partial output (ConversionSignalGuard).
StatusOr<std::string> EnsureRunnableModelWithProgress(const std::string& model,
                                                      const ModelStoreFlags& flags,
                                                      const ConvertOptions& options);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_MODEL_RESOLUTION_H_
