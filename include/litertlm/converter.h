// File: litertlm/converter.h
// Converts a model into one self-contained .litertlm file: weights in the requested format,
// tokenizer, LLM metadata (family defaults, chat template) and config.json.
//
//   litertlm::ConvertOptions options;
//   options.quantization = litertlm::Quantization::kDynamicInt8;
//   auto result = litertlm::Convert("/ckpt/Qwen3-0.6B", "/models/qwen3.litertlm", options);
//   if (!result.ok()) return result.status();
//   std::cout << result->validation->top1_agreement << "\n";
//
// Sources: a Hugging Face checkpoint directory (config.json + safetensors + tokenizer files) or a
// GGUF file (*.gguf; gemma3 / qwen3 with a SentencePiece vocabulary).
//
// Streaming: tensors are read, converted and written one at a time; peak memory is about the
// largest tensor in fp32 plus its converted copy (plus page cache of the mapped input). The
// validation's fp32 reference also runs one layer at a time (only the embedding/output and one
// layer in fp32), so Qwen3-4B converts in about 5 GB (benchmarks/RESULTS.md).
//
// A conversion proves itself: unless `validate` is false, the fp32 source and the converted
// weights are run on a fixed prompt set and compared (top-1 agreement, mean KL, max |Δlogit|).
// The report is stored in the file (LlmMetadata.conversion_info.validation). When agreement is
// below the threshold, Convert returns FAILED_PRECONDITION and no file is installed at
// `output_path` (the report is in the error message). The output appears atomically (temporary
// file, fsync, rename): an error, a cancellation or a crash never leaves a file at output_path.
//
// Thread-safety: Convert may run concurrently for different output paths.
#ifndef LITERTLM_CONVERTER_H_
#define LITERTLM_CONVERTER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/export.h"
#include "litertlm/status.h"

namespace litertlm {

// The --quantize values. Projections take the format; norms and biases stay fp32; the embedding
// table (and the output projection) never goes below int8.
enum class Quantization {
  kDynamicInt8,          // "dynamic_int8": int8 per-channel weights, int8 activations (default)
  kInt8,                 // "int8": same int8 weights, fp32 activations (weight-only)
  kDynamicInt4Block32,   // "dynamic_int4_block32": 4-bit weights, a scale per 32 inputs
  kDynamicInt4Block128,  // "dynamic_int4_block128": 4-bit weights, a scale per 128 inputs
  kFp16,                 // "fp16"
  kFp32,                 // "fp32"
};

// How the weights are stored in the .litertlm file.
enum class FileFormat {
  // kTflite when the model and quantization have a form Google's LiteRT-LM runtime runs, else
  // kLiblitertlm; ConvertResult says which was written and why (the default).
  kAuto,
  // A TFLite model section with the conventions of Google's litert-torch export_hf files
  // (signatures prefill_<T> and decode, per-layer KV caches): Google's LiteRT-LM runtime runs the
  // file, and so does liblitertlm. Quantizations: dynamic_int8 / int8 (int8 per-channel weights,
  // Google's default dynamic_wi8_afp32 recipe), dynamic_int4_block32 / dynamic_int4_block128
  // (int4 block-wise weights with fp16 block scales, as Google's dynamic_wi4b32_afp32 / classic
  // dynamic_int4_block128 files; the embedding and LM head stay int8 per channel unless
  // int4_embedding; a matrix whose input size is not a multiple of 128 is stored int8 per
  // channel, counted in ConvertResult::int4_fallback_tensors)
  // — activations quantized per row at run time, as Google's runtime does —, fp16 (FLOAT16
  // weights each widened by a DEQUANTIZE, as ai_edge_quantizer's float_casting writes them) and
  // fp32: every quantization. Families: Qwen 3 and Gemma 3; anything else is an
  // INVALID_ARGUMENT / UNIMPLEMENTED error (kAuto writes kLiblitertlm for it).
  kTflite,
  // liblitertlm's own weights section (WEIGHTS_FORMAT.md): every quantization and family, but
  // only liblitertlm runs the file.
  kLiblitertlm,
};

// "auto" / "tflite" / "liblitertlm"; INVALID_ARGUMENT listing the valid names otherwise.
LITERTLM_API StatusOr<FileFormat> ParseFileFormat(std::string_view name);
LITERTLM_API std::string FileFormatName(FileFormat format);

// "dynamic_int8" → kDynamicInt8 etc. INVALID_ARGUMENT listing the valid names otherwise.
LITERTLM_API StatusOr<Quantization> ParseQuantization(std::string_view name);
LITERTLM_API std::string QuantizationName(Quantization quantization);
// The default --min-agreement of a format (top-1 agreement with the fp32 source). Validation runs
// the converted file as liblitertlm loads it by default (TFLite files' int8 weights with 16-bit
// activations, LoadOptions::int8_activations), so one floor serves both file formats.
LITERTLM_API double DefaultMinAgreement(Quantization quantization);

struct ConvertProgress {
  enum class Stage { kWriting, kValidating, kDone };
  Stage stage = Stage::kWriting;
  int tensor_index = 0;  // tensors written so far (1..tensor_count)
  int tensor_count = 0;
  std::string tensor_name;  // the tensor just written
  uint64_t bytes_written = 0;
  double elapsed_seconds = 0;
};

struct ValidationReport {
  int prompts = 0;
  int positions = 0;  // token positions compared
  double top1_agreement = 0;      // fraction of positions whose argmax agrees
  double mean_kl = 0;             // mean KL(source || converted), nats
  double max_abs_logit_diff = 0;  // max |logit_source − logit_converted|
  double threshold = 0;           // min_agreement the conversion was held to
  bool passed = false;
};

struct ConvertOptions {
  Quantization quantization = Quantization::kDynamicInt8;
  FileFormat format = FileFormat::kAuto;
  // As Google's converter: the KV caches' length (the longest context), and the prefill
  // signatures' token counts (kTflite writes one signature prefill_<T> per length, as
  // litert-torch's --prefill_lengths=128,256,512 does; each in [1, kv_cache_max_len]).
  int kv_cache_max_len = 1280;
  std::vector<int> prefill_seq_lens = {256};
  // int4 quantizations in TFLite files: the embedding table and LM head in int4 blocks too, as
  // Google's int4 recipes (and its own files) have them: a smaller file, less accurate (real Gemma
  // 3 270M, block 32: perplexity 1.80x fp32 instead of 1.58x). false keeps them int8 per channel,
  // as liblitertlm's own format does; Google's runtime runs both.
  bool int4_embedding = false;
  // Compare the converted weights with the fp32 source before installing the file.
  bool validate = true;
  // Threshold on top-1 agreement; unset = DefaultMinAgreement(quantization).
  std::optional<double> min_agreement;
  // Recorded in the file as the source model (e.g. the Hugging Face id); "" = the source path.
  std::string source_name;
  // Threads for validation; 0 = DefaultNumThreads() (litertlm/model.h).
  int num_threads = 0;
  // Called after every tensor written and when validation starts. Returning false cancels the
  // conversion (Convert returns CANCELLED; nothing is left at output_path). May be empty.
  std::function<bool(const ConvertProgress&)> on_progress;
};

struct ConvertResult {
  std::string output_path;
  FileFormat format = FileFormat::kTflite;  // what was written: kTflite or kLiblitertlm
  // With FileFormat::kAuto, why the file is kLiblitertlm (e.g. "the TFLite writer writes Qwen 3
  // and Gemma 3 models, not llama"); empty when the file is kTflite or the format was asked for.
  std::string format_reason;
  uint64_t output_bytes = 0;
  double seconds = 0;
  int tensor_count = 0;
  // Tensors kept at int8 because their input size is not a multiple of 128 (the int4 kernels'
  // group; in both formats).
  int int4_fallback_tensors = 0;
  std::optional<ValidationReport> validation;  // absent when validation was skipped
};

// Converts `source` (checkpoint directory or .gguf file) into `output_path` (parent directories
// are created). Errors name the file, tensor or field at fault: NOT_FOUND for a missing source,
// UNIMPLEMENTED for an unsupported architecture, FAILED_PRECONDITION when validation fails.
LITERTLM_API StatusOr<ConvertResult> Convert(const std::string& source,
                                             const std::string& output_path,
                                             const ConvertOptions& options = {});

// Removes the temporary files ("<output>.tmp.<pid>") of conversions still in progress in this
// process (and of any other file the library is writing at that moment), for an application that
// ends itself on a signal: async-signal-safe, so call it from your SIGINT/SIGTERM handler and then
// end the process (e.g. restore the default action and re-raise). The library never installs
// signal handlers. Leftovers of processes that died without it (SIGKILL, power loss) are removed
// by the next Convert to the same output path and by ModelStore::List.
LITERTLM_API void RemovePendingConversionFiles() noexcept;

// A one-line identity of a source file (a .gguf): its size, modification time and the SHA-256 of
// its first and last MiB, e.g. "size=253114208 mtime_ns=1733400000000000000 sha256_edges=3f9a...".
// A cache of conversions stores it next to the output and converts again when it differs (a
// re-downloaded, truncated or different file of the same name). NOT_FOUND when missing,
// INVALID_ARGUMENT for a directory.
LITERTLM_API StatusOr<std::string> SourceFingerprint(const std::string& path);

}  // namespace litertlm

#endif  // LITERTLM_CONVERTER_H_
