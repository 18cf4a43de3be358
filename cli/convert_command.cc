// `litert-lm-cli convert MODEL [--quantize Q] [--kv-cache-max-len N] [--prefill-seq-len N]
//  [--output-dir DIR] [--min-agreement F] [--skip-validation] [--threads N] [--models-dir D]
//  [--offline]`
//
// MODEL: a Hugging Face id (Qwen/*, google/*: the checkpoint is downloaded into the models
// directory, output models/{org}/{name}/{name}.litertlm), a local checkpoint directory (output
// next to it: ".../{name}/checkpoint" → ".../{name}/{name}.litertlm", else "<dir>.litertlm"), or a
// .gguf file (output {models_dir}/local/{stem}/{stem}.litertlm). --output-dir DIR puts the file
// at DIR/{name}.litertlm instead.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>
#include <optional>
#include <string>

#include "command.h"
#include "flag_ranges.h"
#include "hub_cli.h"
#include "litertlm/converter.h"
#include "litertlm/hub.h"
#include "model_resolution.h"

namespace litertlm::cli {
namespace {

namespace fs = std::filesystem;

struct ConvertArgs {
  std::string model;
  std::string quantize = "dynamic_int8";
  std::string format = "auto";
  int kv_cache_max_len = 1280;
  std::vector<int> prefill_seq_lens = {256};
  std::string output_dir;
  std::optional<double> min_agreement;
  bool skip_validation = false;
  bool int4_embedding = false;
  int threads = 0;
  ModelStoreFlags store;
};

// The source to convert and the default output path.
struct Plan {
  std::string source;
  std::string output;
};

StatusOr<Plan> PlanConversion(ModelStore& store, const ConvertArgs& args) {
  Plan plan;
  if (IsGgufFile(args.model)) {
    plan.source = args.model;
    plan.output = GgufOutputPath(store, args.model);
  } else {
    StatusOr<ResolvedModel> r = store.PullCheckpoint(args.model);
    if (!r.ok()) return r.status();
    std::fprintf(stderr, "\u2713 Checkpoint %s %s\n",
                 r->downloaded ? "downloaded at" : "at", r->checkpoint_dir.c_str());
    plan.source = r->checkpoint_dir;
    plan.output = r->litertlm_path;
  }
  if (!args.output_dir.empty()) {
    plan.output = (fs::path(args.output_dir) / fs::path(plan.output).filename()).string();
  }
  return plan;
}

int Run(const ConvertArgs& args) {
  StatusOr<Quantization> quantization = ParseQuantization(args.quantize);
  if (!quantization.ok()) return ReportError("--quantize: " + quantization.status().message());
  StatusOr<FileFormat> format = ParseFileFormat(args.format);
  if (!format.ok()) return ReportError("--format: " + format.status().message());
  auto store = ModelStore::Open(MakeModelStoreOptions(args.store));
  if (!store.ok()) return ReportMultilineError(store.status());
  StatusOr<Plan> plan = PlanConversion(**store, args);
  if (!plan.ok()) return ReportMultilineError(plan.status());
  ConvertOptions options;
  options.format = *format;
  options.quantization = *quantization;
  options.kv_cache_max_len = args.kv_cache_max_len;
  options.prefill_seq_lens = args.prefill_seq_lens;
  options.validate = !args.skip_validation;
  options.int4_embedding = args.int4_embedding;
  options.min_agreement = args.min_agreement;
  options.num_threads = args.threads;
  options.source_name = args.model;
  StatusOr<ConvertResult> result = ConvertWithProgress(plan->source, plan->output, options);
  if (!result.ok()) return ReportError(result.status());
  return 0;
}

}  // namespace

Command RegisterConvertCommand(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* sub = app.add_subcommand(
      "convert", "Convert a Hugging Face checkpoint or a GGUF file into a .litertlm file");
  sub->add_option("MODEL", args->model,
                  "ORG/NAME (e.g. google/gemma-3-270m), a checkpoint directory, or a .gguf file")
      ->required();
  sub->add_option("--quantize", args->quantize,
                  "dynamic_int8 (default), int8, dynamic_int4_block32, dynamic_int4_block128, "
                  "fp16, fp32");
  sub->add_option("--format", args->format,
                  "auto (default): tflite for the families Google's runtime runs from this writer (Qwen3, "
                  "Gemma3; every --quantize), else liblitertlm, with a note saying why; tflite: a TFLite model Google's LiteRT-LM runtime runs "
                  "too (Qwen3, Gemma3; dynamic_int8 / int8: int8 per-channel weights, Google's default "
                  "recipe; dynamic_int4_block32 / _block128: int4 block-wise weights with fp16 scales, "
                  "the embedding and LM head int8 (see --int4-embedding), matrices whose input size is not a multiple of 128 "
                  "at int8; fp16: fp16 weights widened by DEQUANTIZE; fp32. Other families are refused); "
                  "liblitertlm: liblitertlm's own weights, every family and --quantize, runs only in "
                  "liblitertlm");
  sub->add_option("--kv-cache-max-len", args->kv_cache_max_len,
                  "Maximum KV cache length (default 1280; with --format tflite the caches' length)")
      ->check(IntegerIn(1, kMaxIntFlag));
  sub->add_option("--prefill-seq-len", args->prefill_seq_lens,
                  "Prefill sequence length(s), comma-separated (default 256; recorded with "
                  "8,64,128,256,512,1024 clipped to the KV length; with --format tflite one prefill_<N> "
                  "signature each, as Google's --prefill_lengths=128,256,512)")
      ->delimiter(',')
      ->check(IntegerIn(1, kMaxIntFlag));
  sub->add_option("--output-dir", args->output_dir, "Write DIR/{name}.litertlm instead");
  sub->add_option("--min-agreement", args->min_agreement,
                  "Top-1 agreement with the fp32 source required (default per format: fp32 "
                  "0.999, fp16 0.98, int8 0.90, int4 0.5)")
      ->check(NumberIn(0.0, 1.0));
  sub->add_flag("--int4-embedding", args->int4_embedding,
                "int4 --quantize in TFLite files: the embedding and LM head in int4 too, as Google's int4 "
                "recipes (smaller, less accurate); by default they stay int8 per channel");
  sub->add_flag("--skip-validation", args->skip_validation,
                "Do not compare the converted model with the source");
  sub->add_option("--threads", args->threads, "Worker threads (default: physical cores)")
      ->check(IntegerIn(0, kMaxThreadsFlag));
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return Run(*args); }};
}

}  // namespace litertlm::cli
