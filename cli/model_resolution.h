// From a model name or path to a file the engine can load, converting when needed — shared by
// `pull`, `convert` and `run`. Prints what it does on stderr (progress bar on a terminal, plain
// lines otherwise; see FancyProgress in hub_cli.h).
#ifndef LITERTLM_CLI_MODEL_RESOLUTION_H_
#define LITERTLM_CLI_MODEL_RESOLUTION_H_

#include <functional>
#include <string>

#include "litertlm/converter.h"
#include "litertlm/hub.h"
#include "litertlm/status.h"

namespace litertlm::cli {

// True for an existing regular file named *.gguf.
bool IsGgufFile(const std::string& path);

// Where a converted .gguf goes when no --output-dir is given:
// {models_dir}/local/{stem}/{stem}.litertlm.
std::string GgufOutputPath(const ModelStore& store, const std::string& gguf_path);

// A progress callback for ConvertOptions::on_progress: a redrawn bar "tensor i/N, bytes, ETA"
// on a terminal, one line per ~10 % otherwise. Never cancels.
std::function<bool(const ConvertProgress&)> MakeConvertProgressPrinter();

// The validation table (top-1 agreement, mean KL, max |Δlogit|, threshold) on stderr.
void PrintValidationReport(const ValidationReport& report);

// Converts `source` into `output_path` with progress and the validation table; prints the seeds'
// "✓ Model successfully converted!" and the output path.
StatusOr<ConvertResult> ConvertWithProgress(const std::string& source,
                                            const std::string& output_path,
                                            const ConvertOptions& options);

// Pull (download when missing), then convert when the model is a checkpoint (or a .gguf file)
// that has no .litertlm yet. Returns the .litertlm path to load. `options.source_name` is filled
// with the model name when empty.
StatusOr<std::string> EnsureRunnableModel(ModelStore& store, const std::string& model,
                                          const ConvertOptions& options);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_MODEL_RESOLUTION_H_
