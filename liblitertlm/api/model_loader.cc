#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "api/model_file_kind.h"
#include "format/gguf_hf_config.h"
#include "format/gguf_weight_source.h"
#include "format/hf_checkpoint.h"
#include "format/litertlm_checksum.h"
#include "format/litertlm_reader.h"
#include "format/litertlm_weight_source.h"
#include "format/tflite_weight_source.h"
#include "format/llm_metadata.pb.h"
#include "kernels/blas.h"
#include "format/config_parser.h"
#include "model/loaded_model.h"
#include "model/tensor_table.h"
#include "model/tflite_weight_options.h"
#include "util/cpu_info.h"
#include "util/status_macros.h"
#include "util/thread_pool.h"

namespace litertlm {

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
const ModelInfo& Model::info() const { return impl_->info; }

int DefaultNumThreads() { return DefaultThreadCount(); }

namespace {

// The *.tflite files directly inside `dir`, sorted.
std::vector<std::string> TfliteFilesIn(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".tflite" && e.is_regular_file(ec)) found.push_back(e.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

ModelFileKind DetectModelFileKind(const std::string& path) {
  if (IsHfCheckpointDir(path)) return ModelFileKind::kCheckpointDir;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return TfliteFilesIn(path).size() == 1 ? ModelFileKind::kTflite : ModelFileKind::kUnknown;
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  if (!in.read(magic, sizeof(magic))) return ModelFileKind::kUnknown;
  if (std::string_view(magic, 8) == "LITERTLM") return ModelFileKind::kLitertlm;
  if (std::string_view(magic, 4) == "GGUF") return ModelFileKind::kGguf;
  if (std::string_view(magic + 4, 4) == "TFL3") return ModelFileKind::kTflite;
  return ModelFileKind::kUnknown;
}

namespace {

int64_t TensorCount(const WeightSource& source) { return static_cast<int64_t>(source.TensorNames().size()); }


StatusOr<std::unique_ptr<Model::Impl>> LoadCheckpointDir(const std::string& path, const LoadOptions& options) {
  ASSIGN_OR_RETURN(HfCheckpoint ckpt, OpenHfCheckpoint(path));
  ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(ckpt.config_json, ckpt.config_path,
                                                      TensorCount(*ckpt.weights)));
  WeightLoadOptions weight_options;
  weight_options.reject_non_finite = true;
  return BuildModelImpl(std::move(config), std::move(ckpt.weights), path, options, weight_options);
}

// A file made by Google's LiteRT-LM toolchain: weights inside a TFLite model section, imported
// by graph pattern (format/tflite_importer.h). Packed copies of its int8 weights are made at load.
StatusOr<std::unique_ptr<Model::Impl>> LoadGoogleLitertlm(std::shared_ptr<const format::LitertlmReader> reader,
                                                          const std::string& path, const LoadOptions& options) {
  if (options.lock_in_memory) {
    return InvalidArgumentError(path + ": LoadOptions.lock_in_memory is not supported for TFLite-based "
                                       ".litertlm files");
  }
  ASSIGN_OR_RETURN(auto source, format::TfliteWeightSource::Create(std::move(reader)));
  ModelConfig config = source->import().config;
  const WeightLoadOptions weight_options = TfliteWeightOptions(source->import(), options.int8_activations == Int8Activations::kLikeGoogleRuntime);
  // int8 weights are used in place (only their row sums are computed, kernels/pack.h); those the
  // kernels cannot read as stored are packed, and their mapped pages dropped as soon as the copy
  // exists (WeightSource::DropPages), so the peak stays near the model's size.
  return BuildModelImpl(std::move(config), std::move(source), path, options, weight_options);
}

// A plain .tflite file (or the one *.tflite file of a directory without config.json): the model
// as litert-torch's converters write it before packing; the tokenizer is read from beside it
// (Engine).
StatusOr<std::unique_ptr<Model::Impl>> LoadPlainTflite(const std::string& path, const LoadOptions& options) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    const std::vector<std::string> found = TfliteFilesIn(path);
    if (found.size() != 1)
      return InvalidArgumentError(path + ": expected exactly one *.tflite file in the directory, found " +
                                  std::to_string(found.size()));
    file = found[0];
  }
  if (options.lock_in_memory)
    return InvalidArgumentError(file + ": LoadOptions.lock_in_memory is not supported for .tflite files");
  ASSIGN_OR_RETURN(auto source, format::TfliteWeightSource::OpenTflite(file));
  ModelConfig config = source->import().config;
  const WeightLoadOptions weight_options = TfliteWeightOptions(source->import(), options.int8_activations == Int8Activations::kLikeGoogleRuntime);
  return BuildModelImpl(std::move(config), std::move(source), file, options, weight_options);
}

StatusOr<std::unique_ptr<Model::Impl>> LoadLitertlm(const std::string& path, const LoadOptions& options) {
  auto opened = format::LitertlmWeightSource::Open(path);
  if (!opened.ok()) {
    // Not one of ours: a Google-made file (TFLite model section, no weights section)?
    format::ReaderOptions relaxed;
    relaxed.require_model_sections = false;
    auto reader = format::LitertlmReader::Open(path, relaxed);
    if (reader.ok() && format::HasTfliteLlmSection(**reader)) {
      return LoadGoogleLitertlm(std::shared_ptr<const format::LitertlmReader>(std::move(reader).value()), path,
                                options);
    }
    return opened.status();
  }
  auto source = std::move(opened).value();
  const format::LitertlmReader& reader = source->reader();
  auto config_json = reader.hf_config_json();
  if (!config_json) return InvalidArgumentError(path + ": no config.json section (hf_config_json)");
  ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(std::string(*config_json), path + ":config.json",
                                                      TensorCount(*source)));
  WeightLoadOptions weight_options;
  weight_options.keep_half_precision = true;
  if (reader.metadata() != nullptr) {
    const std::string& q = reader.metadata()->conversion_info().quantization();
    weight_options.int8_dynamic_activations = q != "int8";
    weight_options.int8_activations16 = q.rfind("dynamic_int4", 0) != 0;
  }
  // Weights are used in place from the mapping (int4 ones are re-laid out into kInt4Rows16 copies,
  // kernels/pack.h, and their mapped pages dropped). Mapping their pages costs ~0.2 ms per MB even
  // from the page cache: left to the first prefill it is thousands of page faults inside the
  // user's first answer (Gemma 3 270M, 2 threads: 1,400 vs 2,000 tok/s for 128 tokens), done
  // on one thread here it would hold Load for 50–140 ms on these models; on the load's threads
  // it takes 25–70 ms.
  reader.PrefaultWeights(options.num_threads > 0 ? options.num_threads : DefaultThreadCount());
  if (options.lock_in_memory) RETURN_IF_ERROR(reader.LockWeights());
  return BuildModelImpl(std::move(config), std::move(source), path, options, weight_options);
}

StatusOr<std::unique_ptr<Model::Impl>> LoadGguf(const std::string& path, const LoadOptions& options) {
  ASSIGN_OR_RETURN(auto source, GgufWeightSource::Open(path, GgufTensorNames));
  ASSIGN_OR_RETURN(std::string config_json, GgufToHfConfigJson(source->gguf(), GgufTensorNames));
  ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(config_json, path + ":config", TensorCount(*source)));
  WeightLoadOptions weight_options;
  weight_options.reject_non_finite = true;
  return BuildModelImpl(std::move(config), std::move(source), path, options, weight_options);
}

// A .litertlm that fails to load may be damaged: a structural error (truncated, offsets past
// the end) gets the repair hint; otherwise the checksum (read only now, on failure) tells
// damage from a file that is sound but unsupported.
Status ExplainLitertlmLoadFailure(const std::string& path, const Status& failure) {
  if (failure.code() == StatusCode::kResourceExhausted || failure.code() == StatusCode::kUnimplemented)
    return failure;
  format::ReaderOptions any_file;  // ours or Google's: only the structure and checksum matter here
  any_file.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(path, any_file);
  if (!reader.ok()) {
    return Status(failure.code(), failure.message() + ". The file looks damaged (truncated or " +
                                      "overwritten). " + format::RepairHint());
  }
  auto checksum = format::VerifySectionsChecksum(**reader);
  if (!checksum.ok()) return checksum.status();
  return failure;
}

}  // namespace

StatusOr<Int8Activations> ParseInt8Activations(std::string_view name) {
  if (name == "exact") return Int8Activations::kExact;
  if (name == "google") return Int8Activations::kLikeGoogleRuntime;
  return InvalidArgumentError("unknown int8 activation rounding '" + std::string(name) + "'; valid: exact (default), google");
}

StatusOr<bool> ModelLoader::Verify(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFoundError(path + ": no such file or directory");
  const ModelFileKind kind = DetectModelFileKind(path);
  if (kind == ModelFileKind::kCheckpointDir || kind == ModelFileKind::kGguf || kind == ModelFileKind::kTflite)
    return InvalidArgumentError(path + ": not a .litertlm file (only those record a checksum)");
  format::ReaderOptions any_file;  // ours or Google's (TFLite model section, no weights section)
  any_file.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(path, any_file);
  if (!reader.ok()) {
    return DataLossError(reader.status().message() + ". The file looks damaged (truncated or " +
                         "overwritten). " + format::RepairHint());
  }
  ASSIGN_OR_RETURN(format::ChecksumState state, format::VerifySectionsChecksum(**reader));
  return state == format::ChecksumState::kVerified;
}

StatusOr<std::shared_ptr<const Model>> ModelLoader::Load(const std::string& path,
                                                         const LoadOptions& options) {
  if (options.num_threads < 0) return InvalidArgumentError("LoadOptions.num_threads must be >= 0");
  // OpenBLAS's workers spin on the cores from the moment the library loads until the first
  // kernel context stops them (kernels/blas.h): stopped now, they do not take a core from the
  // load and the tokenizer built beside it (Gemma 3 270M, 2 cores: 23 % of a load's samples
  // were their sched_yield).
  BlasSetNumThreads(1);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFoundError(path + ": no such file or directory");
  if (options.lock_in_memory && DetectModelFileKind(path) != ModelFileKind::kLitertlm) {
    return InvalidArgumentError(path + ": LoadOptions.lock_in_memory needs a .litertlm file "
                                       "(convert the model first)");
  }
  std::unique_ptr<Model::Impl> impl;
  switch (DetectModelFileKind(path)) {
    case ModelFileKind::kCheckpointDir: {
      ASSIGN_OR_RETURN(impl, LoadCheckpointDir(path, options));
      break;
    }
    case ModelFileKind::kLitertlm: {
      auto loaded = LoadLitertlm(path, options);
      if (!loaded.ok()) return ExplainLitertlmLoadFailure(path, loaded.status());
      impl = std::move(loaded).value();
      break;
    }
    case ModelFileKind::kGguf: {
      ASSIGN_OR_RETURN(impl, LoadGguf(path, options));
      break;
    }
    case ModelFileKind::kTflite: {
      ASSIGN_OR_RETURN(impl, LoadPlainTflite(path, options));
      break;
    }
    case ModelFileKind::kUnknown:
      return InvalidArgumentError(path + ": not a model (expected a checkpoint directory with "
                                         "config.json, a .litertlm file, a .gguf file or a .tflite file)");
  }
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(impl)));
}

}  // namespace litertlm
