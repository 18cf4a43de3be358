#include "converter/tflite_output.h"

#include <cstring>
#include <string>
#include <vector>

#include "format/litertlm_format.h"
#include "format/tflite_importer.h"
#include "format/tflite_llm_writer.h"
#include "format/tflite_model.h"
#include "util/half.h"
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

}  // namespace

Status CheckTfliteQuantization(Quantization quantization) {
  switch (quantization) {
    case Quantization::kDynamicInt8:
    case Quantization::kInt8:
    case Quantization::kFp32:
      return Status::Ok();
    default:
      return InvalidArgumentError("--quantize " + QuantizationName(quantization) +
                                  " has no equivalent Google's LiteRT-LM runtime runs in this writer; use "
                                  "--quantize dynamic_int8 / int8 / fp32 for a Google-compatible file, or "
                                  "--format liblitertlm for a file only liblitertlm runs");
  }
}

StatusOr<std::shared_ptr<const std::vector<uint8_t>>> WriteTfliteModelSection(ConversionSource& src,
                                                                             const ConvertOptions& options,
                                                                             format::LitertlmWriter& writer) {
  RETURN_IF_ERROR(CheckTfliteQuantization(options.quantization));
  format::TfliteLlmOptions o;
  o.int8_weights = options.quantization != Quantization::kFp32;
  o.prefill_lengths = options.prefill_seq_lens;
  o.kv_cache_len = options.kv_cache_max_len;
  auto values = [&src](const std::string& name) -> StatusOr<std::vector<float>> {
    auto v = FloatValues(src, name);
    src.weights->DropPages(name);
    return v;
  };
  StatusOr<std::vector<uint8_t>> model = format::WriteTfliteLlm(src.config, values, o);
  if (!model.ok()) return Status(model.status().code(), src.path + ": " + model.status().message());
  RETURN_IF_ERROR(writer.AddSection(format::SectionType::kTfliteModel,
                                    {format::KeyValue{"model_type", std::string("tf_lite_prefill_decode")}}, *model));
  return std::make_shared<const std::vector<uint8_t>>(std::move(*model));
}

namespace {

// The imported tensors of an in-memory TFLite model; owns the bytes the views point into.
class ImportedTfliteSource : public WeightSource {
 public:
  ImportedTfliteSource(std::shared_ptr<const std::vector<uint8_t>> bytes, std::unique_ptr<format::TfliteModel> model,
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
  std::shared_ptr<const std::vector<uint8_t>> bytes_;
  std::unique_ptr<format::TfliteModel> model_;
  std::unique_ptr<format::TfliteImport> import_;
  std::string origin_;
};

}  // namespace

StatusOr<ImportedTflite> ImportWrittenTflite(std::shared_ptr<const std::vector<uint8_t>> model, Arch arch,
                                             const std::string& origin) {
  ASSIGN_OR_RETURN(auto tflite, format::TfliteModel::Open(*model, origin + ": TFLiteModel section"));
  ASSIGN_OR_RETURN(auto import, format::ImportTfliteLlm(*tflite, arch));
  ImportedTflite out;
  out.config = import->config;
  out.int8 = import->quantization == "int8";
  out.weights = std::make_unique<ImportedTfliteSource>(std::move(model), std::move(tflite), std::move(import), origin);
  return out;
}

}  // namespace litertlm::converter
