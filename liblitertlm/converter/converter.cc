// Convert(): source → .litertlm, streaming tensor by tensor, then validation against the fp32
// source before the metadata (holding the report) and the header are written and the file is
// renamed into place (litertlm/converter.h).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "converter/conversion_source.h"
#include "converter/streamed_reference.h"
#include "converter/tensor_converter.h"
#include "converter/tflite_output.h"
#include "converter/validation.h"
#include "format/gguf_weight_source.h"
#include "format/litertlm_writer.h"
#include "format/llm_metadata.pb.h"
#include "format/llm_metadata_defaults.h"
#include "format/mapped_weights_source.h"
#include "format/model_family.h"
#include "litertlm/converter.h"
#include "litertlm/model.h"
#include "litertlm/tokenizer.h"
#include "litertlm/version.h"
#include "model/loaded_model.h"
#include "model/tensor_table.h"
#include "tokenizer/chat_template.h"
#include "util/pending_files.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using converter::ConversionSource;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The format written: FileFormat::kAuto becomes kTflite when the TFLite writer writes this model
// (every quantization has a TFLite form; the family and shapes decide), else kLiblitertlm with
// the reason. Options out of range (e.g. a prefill length above the KV length) are errors.
struct FormatChoice {
  FileFormat format;
  std::string reason;
};
StatusOr<FormatChoice> ChooseFormat(const ModelConfig& config, const ConvertOptions& o) {
  if (o.format == FileFormat::kLiblitertlm) return FormatChoice{FileFormat::kLiblitertlm, {}};
  const Status writable = converter::CheckTfliteWritable(config, o);
  if (writable.ok()) return FormatChoice{FileFormat::kTflite, {}};
  if (writable.code() != StatusCode::kUnimplemented) return writable;
  if (o.format == FileFormat::kTflite) {
    return Status(writable.code(), "--format tflite: " + writable.message() +
                                       "; use --format liblitertlm for a file only liblitertlm runs");
  }
  return FormatChoice{FileFormat::kLiblitertlm, writable.message()};
}

Status CheckOptions(const ConvertOptions& o) {
  if (o.kv_cache_max_len <= 0) return InvalidArgumentError("kv_cache_max_len must be > 0");
  if (o.prefill_seq_lens.empty()) return InvalidArgumentError("prefill_seq_lens: at least one length is needed");
  for (int len : o.prefill_seq_lens) {
    if (len <= 0) return InvalidArgumentError("prefill_seq_len must be > 0, got " + std::to_string(len));
  }
  if (o.num_threads < 0) return InvalidArgumentError("num_threads must be ≥ 0");
  if (o.min_agreement && (*o.min_agreement < 0 || *o.min_agreement > 1)) {
    return InvalidArgumentError("min_agreement must be in [0, 1]");
  }
  return Status::Ok();
}

struct WriteState {
  Clock::time_point start;
  int tensor_count = 0;
  int int4_fallbacks = 0;
};

// The TFLite form (Google's conventions): the model section, streamed with per-tensor progress;
// returns the ExecutorMetadata derived from the graph just written (added after validation). The
// file's hyper-parameters come from the graph (format/tflite_importer.h), as in Google's own files:
// no config.json, no liblitertlm weights section. The container version is the one Google's current
// tools stamp (format/LITERTLM_FORMAT.md "Versions").
StatusOr<litert::lm::proto::ExecutorMetadata> WriteTflite(ConversionSource& src, const ConvertOptions& options,
                                                         format::LitertlmWriter& writer, WriteState& state) {
  writer.SetVersion(format::kGoogleToolsVersion);
  state.tensor_count = static_cast<int>(ExpectedTensors(src.config).size());
  int stored = 0;
  auto on_stored = [&](const std::string& name, uint64_t bytes) {
    ++stored;
    if (!options.on_progress) return Status::Ok();
    ConvertProgress p;
    p.tensor_index = stored;
    p.tensor_count = state.tensor_count;
    p.tensor_name = name;
    p.bytes_written = bytes;
    p.elapsed_seconds = Seconds(state.start);
    if (options.on_progress(p)) return Status::Ok();
    return CancelledError("conversion cancelled after tensor " + std::to_string(stored) + " of " +
                          std::to_string(state.tensor_count));
  };
  RETURN_IF_ERROR(converter::WriteTfliteModelSection(src, options, writer, on_stored, &state.int4_fallbacks));
  return converter::ExecutorMetadataOfWrittenTflite(writer);
}

Status WriteWeights(ConversionSource& src, const ConvertOptions& options,
                    format::LitertlmWriter& writer, WriteState& state) {
  const std::vector<TensorSpec> specs = ExpectedTensors(src.config);
  state.tensor_count = static_cast<int>(specs.size());
  converter::ConvertedTensor buffers;
  RETURN_IF_ERROR(writer.BeginWeights());
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec& spec = specs[i];
    ASSIGN_OR_RETURN(TensorView source, src.weights->Tensor(spec.name));
    bool fallback = false;
    const DType target = converter::StoredDType(options.quantization, spec.role, spec.shape,
                                                &fallback);
    state.int4_fallbacks += fallback;
    StatusOr<TensorView> stored = converter::ConvertTensor(spec, source, target, buffers);
    if (!stored.ok()) {
      return Status(stored.status().code(), src.path + ": " + stored.status().message());
    }
    StatusOr<TensorView> packed = converter::PackForStorage(spec, *stored, buffers);
    if (!packed.ok()) {
      return Status(packed.status().code(), src.path + ": " + packed.status().message());
    }
    RETURN_IF_ERROR(writer.AddTensor(spec.name, *packed));
    buffers.packed.reset();
    if (src.gguf != nullptr) {
      src.gguf->Release(spec.name);
    } else {
      src.weights->DropPages(spec.name);
    }
    if (options.on_progress) {
      ConvertProgress p;
      p.tensor_index = static_cast<int>(i + 1);
      p.tensor_count = state.tensor_count;
      p.tensor_name = spec.name;
      p.bytes_written = writer.bytes_written();
      p.elapsed_seconds = Seconds(state.start);
      if (!options.on_progress(p)) {
        return CancelledError("conversion cancelled after tensor " + std::to_string(i + 1) +
                              " of " + std::to_string(specs.size()));
      }
    }
  }
  return writer.EndWeights();
}

// The fp32 reference logits, one source layer at a time (converter/streamed_reference.h).
StatusOr<std::vector<std::vector<float>>> ReferenceLogits(
    const ConversionSource& src, const std::vector<std::vector<TokenId>>& prompts,
    int num_threads) {
  if (src.gguf == nullptr) {
    return converter::RunPromptsLayerByLayer(src.config, *src.weights, nullptr, prompts,
                                             num_threads);
  }
  // A second, independent GGUF source: the one used for writing released its buffers.
  ASSIGN_OR_RETURN(std::unique_ptr<GgufWeightSource> gguf,
                   GgufWeightSource::Open(src.path, GgufTensorNames));
  return converter::RunPromptsLayerByLayer(src.config, *gguf, gguf.get(), prompts, num_threads);
}

StatusOr<ValidationReport> Validate(const ConversionSource& src, const Tokenizer& tokenizer,
                                    format::LitertlmWriter& writer, const ConvertOptions& options,
                                    double threshold, bool tflite) {
  const int max_context = std::min(options.kv_cache_max_len, src.config.max_position_embeddings);
  ASSIGN_OR_RETURN(auto prompts,
                   converter::MakeValidationPrompts(tokenizer, src.config, max_context));
  LoadOptions load;
  load.num_threads = options.num_threads;
  ASSIGN_OR_RETURN(std::vector<std::vector<float>> reference,
                   ReferenceLogits(src, prompts, options.num_threads));
  std::unique_ptr<Model::Impl> impl;
  if (tflite) {
    // As ModelLoader loads a TFLite-based file (api/model_loader.cc LoadGoogleLitertlm): the
    // config comes from the graph, so this also checks that the importer reads back what was
    // written.
    ASSIGN_OR_RETURN(converter::ImportedTflite imported,
                     converter::ImportWrittenTflite(writer, FindFamilyByHfArchitecture(src.config.architecture)));
    ASSIGN_OR_RETURN(impl, BuildModelImpl(std::move(imported.config), std::move(imported.weights), writer.path(),
                                          load, imported.weight_options));
  } else {
    const auto range = writer.last_section_range();
    if (!range) return InternalError(writer.temp_path() + ": no weights section written");
    ASSIGN_OR_RETURN(auto weights, format::MappedWeightsSource::Open(writer.temp_path(),
                                                                     range->first, range->second));
    // As ModelLoader loads the finished file (api/model_loader.cc LoadLitertlm).
    WeightLoadOptions weight_options;
    weight_options.keep_half_precision = true;
    weight_options.int8_dynamic_activations = options.quantization != Quantization::kInt8;
    weight_options.int8_activations16 = options.quantization != Quantization::kDynamicInt4Block32 &&
                                        options.quantization != Quantization::kDynamicInt4Block128;
    ASSIGN_OR_RETURN(impl, BuildModelImpl(src.config, std::move(weights), writer.path(), load, weight_options));
  }
  ASSIGN_OR_RETURN(auto logits, converter::RunPrompts(*impl, prompts, options.num_threads));
  converter::LogitComparison comparison(src.config.vocab_size);
  for (size_t p = 0; p < prompts.size(); ++p) {
    comparison.Add(reference[p], logits[p]);
    comparison.EndPrompt();
  }
  return comparison.Report(threshold);
}

void RecordValidation(const ValidationReport& r, litert::lm::proto::LlmMetadata& metadata) {
  litert::lm::proto::ValidationReport* v = metadata.mutable_conversion_info()->mutable_validation();
  v->set_num_prompts(r.prompts);
  v->set_num_tokens(r.positions);
  v->set_top1_agreement(r.top1_agreement);
  v->set_mean_kl_divergence(r.mean_kl);
  v->set_max_abs_logit_delta(r.max_abs_logit_diff);
  v->set_min_agreement(r.threshold);
  v->set_passed(r.passed);
}

std::string DescribeFailure(const ValidationReport& r, Quantization q, const std::string& path) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%s: validation failed: top-1 agreement %.4f < %.4f (mean KL %.3g, max |dlogit| "
                "%.3g over %d positions) with --quantize %s; the file was not written (use a "
                "less aggressive --quantize, or --min-agreement / --skip-validation to accept it)",
                path.c_str(), r.top1_agreement, r.threshold, r.mean_kl, r.max_abs_logit_diff,
                r.positions, QuantizationName(q).c_str());
  return buf;
}

// The tokenizer's ids (recorded in the metadata) must agree with config.json: its bos_token_id is
// the start token, and one of its eos_token_id values is a stop token.
Status CheckIdsAgainstConfig(const ConversionSource& src,
                             const litert::lm::proto::LlmMetadata& md) {
  const ModelConfig& c = src.config;
  if (md.has_start_token() && md.start_token().token_ids().ids_size() > 0 && c.bos_token_id &&
      md.start_token().token_ids().ids(0) != *c.bos_token_id) {
    return FailedPreconditionError(
        src.path + ": config.json bos_token_id " + std::to_string(*c.bos_token_id) +
        " disagrees with the tokenizer's start token id " +
        std::to_string(md.start_token().token_ids().ids(0)));
  }
  if (c.eos_token_ids.empty()) return Status::Ok();
  std::string stops;
  for (const auto& stop : md.stop_tokens()) {
    for (int32_t id : stop.token_ids().ids()) {
      for (int eos : c.eos_token_ids) {
        if (eos == id) return Status::Ok();
      }
      stops += (stops.empty() ? "" : ", ") + std::to_string(id);
    }
  }
  return FailedPreconditionError(src.path + ": config.json eos_token_id " +
                                 std::to_string(c.eos_token_ids[0]) +
                                 " is none of the tokenizer's stop tokens (" + stops + ")");
}

StatusOr<litert::lm::proto::LlmMetadata> BuildMetadata(const ConversionSource& src,
                                                       const Tokenizer& tokenizer,
                                                       const ConvertOptions& options) {
  format::MetadataOptions m;
  m.kv_cache_max_len = options.kv_cache_max_len;
  m.prefill_seq_lens = options.prefill_seq_lens;
  m.quantization = QuantizationName(options.quantization);
  m.source_model = options.source_name.empty() ? src.path : options.source_name;
  m.converter_version = std::string("liblitertlm ") + Version();
  // The checkpoint's template, or the text its family stores instead (Qwen3's answers-only one:
  // Google's LiteRT-LM cannot hold a conversation with the Hugging Face one).
  m.jinja_template = ConvertedChatTemplate(src.chat_template);
  auto lookup = [&tokenizer](std::string_view text) { return tokenizer.TokenToId(text); };
  m.ids_from_tokenizer = true;
  StatusOr<litert::lm::proto::LlmMetadata> md =
      format::BuildDefaultLlmMetadata(src.model_type(), m, lookup);
  if (!md.ok()) return Status(md.status().code(), src.path + ": " + md.status().message());
  RETURN_IF_ERROR(CheckIdsAgainstConfig(src, *md));
  return md;
}

// The directories Convert created for its output; removed again (when empty) unless the
// conversion succeeded, so a failed or cancelled conversion leaves no empty model directory.
// Declared before the writer, so the writer's temporary file is gone when this runs.
// They are also registered with RemovePendingConversionFiles (util/pending_files.h), so a
// signal handler removes them with the temporary file.
class CreatedDirs {
 public:
  Status Create(const fs::path& dir) {
    std::error_code ec;
    for (fs::path d = dir; !d.empty() && !fs::exists(d, ec); d = d.parent_path()) {
      created_.push_back(d);
      slots_.push_back(RegisterPendingDirectory(d.string()));
      if (d == d.parent_path()) break;
    }
    fs::create_directories(dir, ec);
    if (ec) return PermissionDeniedError(dir.string() + ": cannot create: " + ec.message());
    return Status::Ok();
  }
  void Keep() {
    Forget();
    created_.clear();
  }
  ~CreatedDirs() {
    Forget();
    std::error_code ec;
    for (const fs::path& d : created_) {  // deepest first
      if (!fs::is_empty(d, ec) || ec || !fs::remove(d, ec)) break;
    }
  }

 private:
  void Forget() {
    for (int slot : slots_) UnregisterPendingFile(slot);
    slots_.clear();
  }
  std::vector<fs::path> created_;
  std::vector<int> slots_;
};

}  // namespace

StatusOr<ConvertResult> Convert(const std::string& source, const std::string& output_path,
                                const ConvertOptions& requested) {
  RETURN_IF_ERROR(CheckOptions(requested));
  WriteState state;
  state.start = Clock::now();
  ASSIGN_OR_RETURN(ConversionSource src, converter::OpenConversionSource(source));
  ASSIGN_OR_RETURN(const FormatChoice choice, ChooseFormat(src.config, requested));
  ConvertOptions options = requested;
  options.format = choice.format;
  const TokenizerKind kind = src.tokenizer_kind == format::TokenizerKind::kSentencePiece
                                 ? TokenizerKind::kSentencePiece
                                 : TokenizerKind::kHfTokenizerJson;
  ASSIGN_OR_RETURN(auto tokenizer, Tokenizer::FromBytes(kind, src.tokenizer_bytes, source));
  ASSIGN_OR_RETURN(litert::lm::proto::LlmMetadata metadata,
                   BuildMetadata(src, *tokenizer, options));
  std::error_code ec;
  const fs::path parent = fs::path(output_path).parent_path();
  CreatedDirs created_dirs;
  if (!parent.empty()) RETURN_IF_ERROR(created_dirs.Create(parent));

  ASSIGN_OR_RETURN(auto writer, format::LitertlmWriter::Create(output_path));
  const auto* tok = reinterpret_cast<const uint8_t*>(src.tokenizer_bytes.data());
  if (kind == TokenizerKind::kSentencePiece) {
    RETURN_IF_ERROR(writer->AddSentencePieceTokenizer({tok, src.tokenizer_bytes.size()}));
  } else {
    RETURN_IF_ERROR(writer->AddHfTokenizerJson(src.tokenizer_bytes));
  }
  ConvertResult result;
  result.format = choice.format;
  result.format_reason = choice.reason;
  const bool tflite = options.format == FileFormat::kTflite;
  std::optional<litert::lm::proto::ExecutorMetadata> executor_metadata;  // TFLite files: their state buffers
  if (tflite) {
    ASSIGN_OR_RETURN(executor_metadata, WriteTflite(src, options, *writer, state));  } else {
    RETURN_IF_ERROR(writer->AddHfConfigJson(src.config_json));
    RETURN_IF_ERROR(WriteWeights(src, options, *writer, state));
  }
  if (options.validate) {
    if (options.on_progress) {
      ConvertProgress p;
      p.stage = ConvertProgress::Stage::kValidating;
      p.tensor_index = p.tensor_count = state.tensor_count;
      p.bytes_written = writer->bytes_written();
      p.elapsed_seconds = Seconds(state.start);
      if (!options.on_progress(p)) return CancelledError("conversion cancelled before validation");
    }
    const double threshold = options.min_agreement.value_or(DefaultMinAgreement(options.quantization));
    ASSIGN_OR_RETURN(ValidationReport report,
                     Validate(src, *tokenizer, *writer, options, threshold, tflite));
    RecordValidation(report, metadata);
    if (!report.passed) {
      return FailedPreconditionError(DescribeFailure(report, options.quantization, output_path));
    }
    result.validation = report;
  }
  if (executor_metadata) RETURN_IF_ERROR(writer->AddExecutorMetadata(*executor_metadata));
  RETURN_IF_ERROR(writer->AddLlmMetadata(metadata));
  RETURN_IF_ERROR(writer->Finish());
  created_dirs.Keep();
  result.output_path = output_path;
  result.output_bytes = fs::file_size(output_path, ec);
  result.seconds = Seconds(state.start);
  result.tensor_count = state.tensor_count;
  result.int4_fallback_tensors = state.int4_fallbacks;
  return result;
}

}  // namespace litertlm
