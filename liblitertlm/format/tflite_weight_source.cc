#include "format/tflite_weight_source.h"

#include "format/executor_metadata.h"
#include "format/litertlm_format.h"
#include "format/llm_metadata.pb.h"
#include "format/model_family.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

const SectionInfo* FindTfliteSection(const LitertlmReader& reader) {
  const SectionInfo* found = nullptr;
  for (const SectionInfo& s : reader.sections()) {
    if (s.type != static_cast<uint8_t>(SectionType::kTfliteModel)) continue;
    const KeyValue* kv = FindKey(s.items, "model_type");
    const std::string type = kv != nullptr ? MetadataValueToString(kv->value) : "";
    if (kv == nullptr || type.find("prefill_decode") != std::string::npos) found = &s;
  }
  return found;
}

// The family LlmMetadata's llm_model_type names; nullptr when it names none in particular.
const ModelFamily* FamilyFromMetadata(const LitertlmReader& reader) {
  const auto* md = reader.metadata();
  if (md == nullptr || !md->has_llm_model_type()) return nullptr;
  if (md->llm_model_type().has_gemma3()) return FindFamilyByMetadataType(MetadataModelType::kGemma3);
  if (md->llm_model_type().has_qwen3()) return FindFamilyByMetadataType(MetadataModelType::kQwen3);
  return nullptr;
}

}  // namespace

bool HasTfliteLlmSection(const LitertlmReader& reader) {
  return reader.weights() == nullptr && FindTfliteSection(reader) != nullptr;
}

StatusOr<std::unique_ptr<TfliteWeightSource>> TfliteWeightSource::Create(
    std::shared_ptr<const LitertlmReader> reader) {
  const SectionInfo* section = FindTfliteSection(*reader);
  if (section == nullptr) {
    return FailedPreconditionError(reader->origin() + ": no TFLiteModel section with model_type prefill_decode");
  }
  std::unique_ptr<TfliteWeightSource> source(new TfliteWeightSource());
  ASSIGN_OR_RETURN(source->model_, TfliteModel::Open(reader->SectionBytes(*section), reader->origin()));
  // Our engine sizes its caches from the graph; a section that contradicts it is refused
  // (executor_metadata.h says why).
  if (reader->executor_metadata() != nullptr) {
    RETURN_IF_ERROR(CheckExecutorMetadata(*reader->executor_metadata(), *source->model_));
  }
  ASSIGN_OR_RETURN(source->import_, ImportTfliteLlm(*source->model_, FamilyFromMetadata(*reader)));
  source->origin_ = reader->origin();
  // Nothing reads the FlatBuffer, the re-laid-out int4 weights or other signatures' constants
  // again: their pages (13 MB on Qwen3-0.6B) leave the resident set.
  for (std::span<const uint8_t> range : UnreferencedRanges(*source->import_, source->model_->bytes()))
    reader->DropPages(range);
  source->reader_ = std::move(reader);
  return source;
}

StatusOr<std::unique_ptr<TfliteWeightSource>> TfliteWeightSource::OpenTflite(const std::string& path) {
  std::unique_ptr<TfliteWeightSource> source(new TfliteWeightSource());
  ASSIGN_OR_RETURN(source->file_, MappedFile::Open(path));
  source->origin_ = path;
  ASSIGN_OR_RETURN(source->model_, TfliteModel::Open(source->file_.bytes(), path));
  ASSIGN_OR_RETURN(source->import_, ImportTfliteLlm(*source->model_, nullptr));
  for (std::span<const uint8_t> range : UnreferencedRanges(*source->import_, source->model_->bytes()))
    source->file_.DropPages(range);
  return source;
}

std::vector<std::string> TfliteWeightSource::TensorNames() const {
  std::vector<std::string> names;
  for (const auto& [name, view] : import_->tensors) names.push_back(name);
  return names;
}

bool TfliteWeightSource::HasTensor(const std::string& name) const { return import_->tensors.count(name) != 0; }

StatusOr<TensorView> TfliteWeightSource::Tensor(const std::string& name) const {
  auto it = import_->tensors.find(name);
  if (it == import_->tensors.end()) return NotFoundError(origin() + ": no tensor '" + name + "' in the TFLite model");
  return it->second;
}

void TfliteWeightSource::DropPages(const std::string& name) const {
  auto it = import_->tensors.find(name);
  if (it == import_->tensors.end()) return;
  if (reader_ != nullptr) {
    reader_->DropPages(it->second.data);
  } else {
    file_.DropPages(it->second.data);
  }
}

}  // namespace litertlm::format
