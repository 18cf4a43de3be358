#include "converter/tflite_output.h"

#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/executor_metadata.h"
#include "format/gguf_weight_source.h"
#include "format/litertlm_format.h"
#include "format/tflite_importer.h"
#include "format/tflite_llm_writer.h"
#include "format/tflite_model.h"
#include "model/tflite_weight_options.h"
#include "util/half.h"
#include "util/mapped_file.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

// The fp32 values of a source tensor (F32, F16 or BF16).
StatusOr<std::vector<float>> FloatValues(const ConversionSource& src, const std::string& name) {
  ASSIGN_OR_RETURN(TensorView view, src.weights->Tensor(name));
  const int64_t n = view.NumElements();
  std::vector<float> out(static_cast<size_t>(n));
  switch (view.dtype) {
    case DType::kF32:
      if (view.data.size() < static_cast<size_t>(n) * 4) break;
      std::memcpy(out.data(), view.data.data(), static_cast<size_t>(n) * 4);
      return out;
    case DType::kF16:
    case DType::kBF16: {
      if (view.data.size() < static_cast<size_t>(n) * 2) break;
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, view.data.data() + 2 * i, 2);
        out[i] = view.dtype == DType::kF16 ? F16ToF32(h) : Bf16ToF32(h);
      }
      return out;
    }
    default:
      return InvalidArgumentError(src.path + ": tensor " + name + " is stored as " + std::string(DTypeName(view.dtype)) +
                                  "; the TFLite writer reads fp32, fp16 or bf16 sources");
  }
  return InvalidArgumentError(src.path + ": tensor " + name + " is shorter than its shape");
}

format::TfliteLlmOptions TfliteOptions(const ConvertOptions& options) {
  format::TfliteLlmOptions o;
  switch (options.quantization) {
    case Quantization::kFp32: o.weights = format::TfliteWeights::kFp32; break;
    case Quantization::kFp16: o.weights = format::TfliteWeights::kFp16; break;
    case Quantization::kDynamicInt4Block32: o.weights = format::TfliteWeights::kInt4Block32; break;
    case Quantization::kDynamicInt4Block128: o.weights = format::TfliteWeights::kInt4Block128; break;
    case Quantization::kDynamicInt8:
    case Quantization::kInt8: o.weights = format::TfliteWeights::kInt8; break;
  }
  o.int4_embedding = options.int4_embedding;
  o.prefill_lengths = options.prefill_seq_lens;
  o.kv_cache_len = options.kv_cache_max_len;
  return o;
}

}  // namespace

Status CheckTfliteWritable(const ModelConfig& config, const ConvertOptions& options) {
  return format::CheckTfliteLlm(config, TfliteOptions(options));
}

Status WriteTfliteModelSection(ConversionSource& src, const ConvertOptions& options, format::LitertlmWriter& writer,
                               const std::function<Status(const std::string& name, uint64_t bytes)>& on_stored,
                               int* int4_fallbacks) {
  format::TfliteLlmOptions o = TfliteOptions(options);
  const std::filesystem::path out_dir = std::filesystem::path(writer.temp_path()).parent_path();
  o.spill_dir = out_dir.empty() ? std::filesystem::path(".") : out_dir;
  auto values = [&src](const std::string& name) -> StatusOr<std::vector<float>> {
    auto v = FloatValues(src, name);
    if (src.gguf != nullptr) {
      src.gguf->Release(name);  // the dequantized copy
    } else {
      src.weights->DropPages(name);
    }
    return v;
  };
  if (on_stored) {
    const uint64_t before = writer.bytes_written();
    o.on_stored = [&on_stored, before](const std::string& name, uint64_t stored) {
      return on_stored(name, before + stored);
    };
  }
  RETURN_IF_ERROR(writer.BeginSection(format::SectionType::kTfliteModel,
                                      {format::KeyValue{"model_type", std::string("tf_lite_prefill_decode")}}));
  format::TfliteLlmWritten stored;
  const Status written = format::WriteTfliteLlm(
      src.config, values, o, [&writer](std::span<const uint8_t> piece) { return writer.AppendSectionData(piece); },
      &stored);
  if (!written.ok()) return Status(written.code(), src.path + ": " + written.message());
  if (int4_fallbacks != nullptr) *int4_fallbacks = stored.int4_fallback_tensors;
  return writer.EndSection();
}

namespace {

// The imported tensors of a mapped TFLite model; owns the mapping the views point into.
class ImportedTfliteSource : public WeightSource {
 public:
  ImportedTfliteSource(std::shared_ptr<const MappedFile> bytes, std::unique_ptr<format::TfliteModel> model,
                       std::unique_ptr<format::TfliteImport> import, std::string origin)
      : bytes_(std::move(bytes)), model_(std::move(model)), import_(std::move(import)), origin_(std::move(origin)) {}
  std::vector<std::string> TensorNames() const override {
    std::vector<std::string> names;
    for (const auto& [name, view] : import_->tensors) names.push_back(name);
    return names;
  }
  bool HasTensor(const std::string& name) const override { return import_->tensors.count(name) != 0; }
  StatusOr<TensorView> Tensor(const std::string& name) const override {
    auto it = import_->tensors.find(name);
    if (it == import_->tensors.end()) return NotFoundError(origin_ + ": no tensor '" + name + "' in the TFLite model");
    return it->second;
  }
  const std::string& origin() const override { return origin_; }

 private:
  std::shared_ptr<const MappedFile> bytes_;
  std::unique_ptr<format::TfliteModel> model_;
  std::unique_ptr<format::TfliteImport> import_;
  std::string origin_;
};

}  // namespace

namespace {

// The writer's temporary file, mapped, and the TFLiteModel section in it (the last section written).
struct WrittenSection {
  std::shared_ptr<const MappedFile> file;
  std::span<const uint8_t> bytes;
};

StatusOr<WrittenSection> MapWrittenTflite(const format::LitertlmWriter& writer) {
  const auto range = writer.last_section_range();
  if (!range) return InternalError(writer.temp_path() + ": no TFLiteModel section written");
  ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(writer.temp_path()));
  WrittenSection out;
  out.file = std::make_shared<const MappedFile>(std::move(mapped));
  if (range->second > out.file->size() || range->first > range->second) {
    return InternalError(writer.temp_path() + ": the TFLiteModel section lies outside the file");
  }
  out.bytes = out.file->bytes().subspan(range->first, range->second - range->first);
  return out;
}

}  // namespace

StatusOr<litert::lm::proto::ExecutorMetadata> ExecutorMetadataOfWrittenTflite(const format::LitertlmWriter& writer) {
  ASSIGN_OR_RETURN(WrittenSection section, MapWrittenTflite(writer));
  ASSIGN_OR_RETURN(auto tflite, format::TfliteModel::Open(section.bytes, writer.path() + ": TFLiteModel section"));
  return format::ExecutorMetadataForTfliteLlm(*tflite);
}

StatusOr<ImportedTflite> ImportWrittenTflite(const format::LitertlmWriter& writer, const ModelFamily* family) {
  const std::string& origin = writer.path();
  ASSIGN_OR_RETURN(WrittenSection section, MapWrittenTflite(writer));
  auto model = section.file;
  ASSIGN_OR_RETURN(auto tflite, format::TfliteModel::Open(section.bytes, origin + ": TFLiteModel section"));
  ASSIGN_OR_RETURN(auto import, format::ImportTfliteLlm(*tflite, family));
  ImportedTflite out;
  out.config = import->config;
  out.weight_options = TfliteWeightOptions(*import, /*like_google=*/false);
  out.weights = std::make_unique<ImportedTfliteSource>(std::move(model), std::move(tflite), std::move(import), origin);
  return out;
}

}  // namespace litertlm::converter
