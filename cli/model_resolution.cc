#include "model_resolution.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "conversion_signals.h"
#include "litertlm/model_resolver.h"

namespace litertlm::cli {
namespace {

namespace fs = std::filesystem;

void DrawConvertBar(const ConvertProgress& p) {
  constexpr int kWidth = 24;
  const double frac = p.tensor_count ? static_cast<double>(p.tensor_index) / p.tensor_count : 0;
  const int full = static_cast<int>(frac * kWidth);
  std::string bar;
  for (int i = 0; i < kWidth; ++i) bar += i < full ? "\u2588" : " ";
  std::string eta = "--";
  if (frac > 0) eta = FormatDuration(p.elapsed_seconds * (1 - frac) / frac);
  std::fprintf(stderr, "\rconverting %3d%% \u2595%s\u258f tensor %d/%d %s ETA %s\033[K",
               static_cast<int>(frac * 100), bar.c_str(), p.tensor_index, p.tensor_count,
               FormatBytes(p.bytes_written).c_str(), eta.c_str());
  if (p.tensor_index == p.tensor_count) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

void PrintConvertHeader(const std::string& source, const ConvertOptions& o) {
  std::fprintf(stderr, "Converting %s...\nQuantization: %s\n",
               (o.source_name.empty() ? source : o.source_name).c_str(),
               QuantizationName(o.quantization).c_str());
}

void PrintConvertResult(const ConvertResult& result) {
  if (result.validation) PrintValidationReport(*result.validation);
  if (!result.format_reason.empty()) {
    std::fprintf(stderr, "note: wrote liblitertlm's own format, which only liblitertlm runs, not Google's LiteRT-LM: %s\n",
                 result.format_reason.c_str());
  }
  if (result.int4_fallback_tensors > 0) {
    std::fprintf(stderr, "note: %d tensor(s) kept at int8 (input size not a multiple of 128)\n",
                 result.int4_fallback_tensors);
  }
  std::fprintf(stderr, "\u2713 Model successfully converted! (%s in %.1fs)\n%s\n",
               FormatBytes(result.output_bytes).c_str(), result.seconds, result.output_path.c_str());
}

// Why a conversion starts, as the CLI has always said it.
void PrintConvertReason(const ModelResolveEvent& e) {
  switch (e.reason) {
    case ConvertReason::kGgufNotConverted:
      std::fprintf(stderr, "Model not converted yet. Converting %s...\n", e.source.c_str());
      break;
    case ConvertReason::kGgufUnrecorded:
    case ConvertReason::kGgufChanged:
      std::fprintf(stderr, "%s changed since %s was converted from it (%s): converting again\n",
                   e.source.c_str(), e.path.c_str(),
                   e.reason == ConvertReason::kGgufUnrecorded ? "no record of the source"
                                                              : "size, date or content differ");
      break;
    case ConvertReason::kDownloadedCheckpoint:
    case ConvertReason::kLocalCheckpoint:
      std::fprintf(stderr, "Model not found locally. Converting from %s...\n",
                   e.reason == ConvertReason::kDownloadedCheckpoint ? "HuggingFace"
                                                                    : "the downloaded checkpoint");
      break;
  }
}

}  // namespace

bool IsGgufFile(const std::string& path) {
  std::error_code ec;
  return fs::path(path).extension() == ".gguf" && fs::is_regular_file(path, ec);
}

std::string GgufOutputPath(const ModelStore& store, const std::string& gguf_path) {
  return GgufConversionPath(store.models_dir(), gguf_path);
}

std::function<bool(const ConvertProgress&)> MakeConvertProgressPrinter() {
  const bool fancy = FancyProgress();
  auto last_decile = std::make_shared<int>(-1);
  return [fancy, last_decile](const ConvertProgress& p) {
    if (p.stage == ConvertProgress::Stage::kValidating) {
      std::fprintf(stderr, "Validating against the fp32 source...\n");
      return true;
    }
    if (fancy) {
      DrawConvertBar(p);
      return true;
    }
    const int decile = p.tensor_count ? p.tensor_index * 10 / p.tensor_count : 10;
    if (decile != *last_decile) {
      *last_decile = decile;
      std::fprintf(stderr, "converting: tensor %d/%d, %s written, %.1fs\n", p.tensor_index,
                   p.tensor_count, FormatBytes(p.bytes_written).c_str(), p.elapsed_seconds);
    }
    return true;
  };
}

void PrintValidationReport(const ValidationReport& r) {
  std::fprintf(stderr,
               "Validation (%d prompts, %d positions, converted vs fp32 source):\n"
               "  top-1 agreement  %8.2f %%   (threshold %.2f %%)\n"
               "  mean KL          %10.3g nats\n"
               "  max |dlogit|     %10.3g\n"
               "  result           %s\n",
               r.prompts, r.positions, 100 * r.top1_agreement, 100 * r.threshold, r.mean_kl,
               r.max_abs_logit_diff, r.passed ? "passed" : "FAILED");
}

StatusOr<ConvertResult> ConvertWithProgress(const std::string& source,
                                            const std::string& output_path,
                                            const ConvertOptions& options) {
  ConvertOptions o = options;
  if (!o.on_progress) o.on_progress = MakeConvertProgressPrinter();
  PrintConvertHeader(source, o);
  StatusOr<ConvertResult> result = [&] {
    ConversionSignalGuard remove_partial_output_on_signal;
    return Convert(source, output_path, o);
  }();
  if (!result.ok()) return result;
  // Without a record the next `run` converts again: safe, so a failed record is no error here.
  if (IsGgufFile(source)) (void)RecordConversionSource(output_path, source);
  PrintConvertResult(*result);
  return result;
}

StatusOr<std::string> EnsureRunnableModelWithProgress(const std::string& model,
                                                      const ModelStoreFlags& flags,
                                                      const ConvertOptions& options) {
  ModelResolveOptions resolve;
  resolve.store = MakeModelStoreOptions(flags);
  resolve.convert = options;
  if (resolve.convert.source_name.empty()) resolve.convert.source_name = model;
  if (!resolve.convert.on_progress) resolve.convert.on_progress = MakeConvertProgressPrinter();
  // Installed while a conversion runs only (a download keeps its partial file for resuming).
  std::optional<ConversionSignalGuard> guard;
  resolve.on_event = [&](const ModelResolveEvent& e) {
    switch (e.kind) {
      case ModelResolveEvent::Kind::kFound:
        std::fprintf(stderr, "\u2713 Model already exists at %s\n", e.path.c_str());
        break;
      case ModelResolveEvent::Kind::kConverting:
        PrintConvertReason(e);
        PrintConvertHeader(e.source, resolve.convert);
        guard.emplace();
        break;
      case ModelResolveEvent::Kind::kConverted:
        guard.reset();
        PrintConvertResult(*e.conversion);
        break;
    }
  };
  StatusOr<std::string> path = EnsureRunnableModel(model, resolve);
  guard.reset();
  return path;
}

}  // namespace litertlm::cli
