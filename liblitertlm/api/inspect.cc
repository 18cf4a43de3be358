#include "litertlm/inspect.h"

#include <map>

#include "format/executor_metadata.h"
#include "format/litertlm_reader.h"
#include "format/tflite_model.h"
#include "format/llm_metadata_text.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

std::vector<std::pair<std::string, std::string>> ToText(const std::vector<format::KeyValue>& kvs) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(kvs.size());
  for (const format::KeyValue& kv : kvs) {
    out.emplace_back(kv.key, format::MetadataValueToString(kv.value));
  }
  return out;
}

std::string TokenizerName(format::TokenizerKind kind) {
  switch (kind) {
    case format::TokenizerKind::kSentencePiece: return "sentencepiece";
    case format::TokenizerKind::kHfTokenizerJson: return "hf_tokenizer_json";
    case format::TokenizerKind::kNone: break;
  }
  return "none";
}

void SummarizeWeights(const format::WeightsIndex& weights, LitertlmFileInfo& info) {
  std::map<int, DTypeSummary> by_dtype;
  for (const std::string& name : weights.names()) {
    const TensorView* t = weights.Find(name);
    DTypeSummary& row = by_dtype[static_cast<int>(t->dtype)];
    row.dtype = std::string(DTypeName(t->dtype));
    row.tensors += 1;
    row.elements += t->NumElements();
    row.bytes += t->data.size() + t->scales.size_bytes();
  }
  info.tensor_count = static_cast<int64_t>(weights.size());
  for (auto& [number, row] : by_dtype) {
    info.tensor_bytes += row.bytes;
    info.dtypes.push_back(std::move(row));
  }
}

}  // namespace

StatusOr<LitertlmFileInfo> InspectLitertlmFile(const std::string& path) {
  format::ReaderOptions options;
  options.require_model_sections = false;
  ASSIGN_OR_RETURN(std::unique_ptr<format::LitertlmReader> reader,
                   format::LitertlmReader::Open(path, options));
  LitertlmFileInfo info;
  info.path = path;
  info.major_version = reader->major_version();
  info.minor_version = reader->minor_version();
  info.patch_version = reader->patch_version();
  info.file_size = reader->file_size();
  info.header_end = reader->header_end();
  info.system_metadata = ToText(reader->system_metadata());
  for (const format::SectionInfo& s : reader->sections()) {
    LitertlmSectionSummary summary{format::SectionTypeName(s.type), s.begin, s.end, ToText(s.items), {}, {}};
    if (s.type == static_cast<uint8_t>(format::SectionType::kTfliteModel)) {
      ASSIGN_OR_RETURN(auto model, format::TfliteModel::Open(reader->SectionBytes(s), path + ": TFLiteModel section"));
      summary.signatures = model->SignatureKeys();
    }
    if (s.type == static_cast<uint8_t>(format::SectionType::kExecutorMetadataProto) &&
        reader->executor_metadata() != nullptr) {
      summary.executor_metadata = format::ExecutorMetadataSummary(*reader->executor_metadata());
    }
    info.sections.push_back(std::move(summary));
  }
  if (reader->metadata() != nullptr) info.metadata_text = format::LlmMetadataToText(*reader->metadata());
  info.tokenizer = TokenizerName(reader->tokenizer_kind());
  if (reader->weights() != nullptr) SummarizeWeights(*reader->weights(), info);
  return info;
}

}  // namespace litertlm
