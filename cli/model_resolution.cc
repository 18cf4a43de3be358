#include "model_resolution.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "conversion_signals.h"
#include "hub_cli.h"

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

std::string SourceRecordPath(const std::string& output) { return output + ".source"; }

// True when `output` exists and was converted from `gguf` as it is now (same size, mtime and
// edge digest, recorded by RecordConversionSource). Says why on stderr when not.
bool ConversionIsCurrent(const std::string& output, const std::string& gguf) {
  std::error_code ec;
  if (!fs::exists(output, ec)) return false;
  std::ifstream in(SourceRecordPath(output));
  std::string recorded((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!recorded.empty() && recorded.back() == '\n') recorded.pop_back();
  StatusOr<std::string> now = SourceFingerprint(gguf);
  if (now.ok() && *now == recorded) return true;
  std::fprintf(stderr, "%s changed since %s was converted from it (%s): converting again\n",
               gguf.c_str(), output.c_str(),
               recorded.empty() ? "no record of the source" : "size, date or content differ");
  return false;
}

void RecordConversionSource(const std::string& output, const std::string& gguf) {
  StatusOr<std::string> fingerprint = SourceFingerprint(gguf);
  if (!fingerprint.ok()) return;  // the next run converts again: safe
  const std::string path = SourceRecordPath(output);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << *fingerprint << "\n";
    if (!out.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace

bool IsGgufFile(const std::string& path) {
  std::error_code ec;
  return fs::path(path).extension() == ".gguf" && fs::is_regular_file(path, ec);
}

std::string GgufOutputPath(const ModelStore& store, const std::string& gguf_path) {
  const std::string stem = fs::path(gguf_path).stem().string();
  return (fs::path(store.models_dir()) / "local" / stem / (stem + ".litertlm")).string();
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
  std::fprintf(stderr, "Converting %s...\nQuantization: %s\n",
               (o.source_name.empty() ? source : o.source_name).c_str(),
               QuantizationName(o.quantization).c_str());
  StatusOr<ConvertResult> result = [&] {
    ConversionSignalGuard remove_partial_output_on_signal;
    return Convert(source, output_path, o);
  }();
  if (!result.ok()) return result;
  if (IsGgufFile(source)) RecordConversionSource(output_path, source);
  if (result->validation) PrintValidationReport(*result->validation);
  if (!result->format_reason.empty()) {
    std::fprintf(stderr, "note: wrote liblitertlm's own format, which only liblitertlm runs, not Google's LiteRT-LM: %s\n",
                 result->format_reason.c_str());
  }
  if (result->int4_fallback_tensors > 0) {
    std::fprintf(stderr, "note: %d tensor(s) kept at int8 (input size not a multiple of 128)\n",
                 result->int4_fallback_tensors);
  }
  std::fprintf(stderr, "\u2713 Model successfully converted! (%s in %.1fs)\n%s\n",
               FormatBytes(result->output_bytes).c_str(), result->seconds,
               result->output_path.c_str());
  return result;
}

StatusOr<std::string> EnsureRunnableModel(ModelStore& store, const std::string& model,
                                          const ConvertOptions& options) {
  ConvertOptions o = options;
  if (o.source_name.empty()) o.source_name = model;
  std::error_code ec;
  if (IsGgufFile(model)) {
    const std::string out = GgufOutputPath(store, model);
    if (ConversionIsCurrent(out, model)) {
      std::fprintf(stderr, "\u2713 Model already exists at %s\n", out.c_str());
      return out;
    }
    if (!fs::exists(out, ec))
      std::fprintf(stderr, "Model not converted yet. Converting %s...\n", model.c_str());
    StatusOr<ConvertResult> r = ConvertWithProgress(model, out, o);
    if (!r.ok()) return r.status();
    return out;
  }
  StatusOr<ResolvedModel> resolved = store.Pull(model);
  if (!resolved.ok()) return resolved.status();
  if (!resolved->needs_conversion()) {
    if (!resolved->downloaded) {
      std::fprintf(stderr, "\u2713 Model already exists at %s\n", resolved->litertlm_path.c_str());
    }
    return resolved->litertlm_path;
  }
  if (fs::exists(resolved->litertlm_path, ec)) {
    std::fprintf(stderr, "\u2713 Model already exists at %s\n", resolved->litertlm_path.c_str());
    return resolved->litertlm_path;
  }
  std::fprintf(stderr, "Model not found locally. Converting from %s...\n",
               resolved->downloaded ? "HuggingFace" : "the downloaded checkpoint");
  StatusOr<ConvertResult> r = ConvertWithProgress(resolved->checkpoint_dir,
                                                  resolved->litertlm_path, o);
  if (!r.ok()) return r.status();
  return resolved->litertlm_path;
}

}  // namespace litertlm::cli
