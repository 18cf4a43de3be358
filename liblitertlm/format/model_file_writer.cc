#include "format/model_file_writer.h"

#include <memory>

#include "format/litertlm_writer.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

Status CheckContents(const std::string& path, const ModelFileContents& contents) {
  if (contents.metadata == nullptr) return InvalidArgumentError(path + ": no LlmMetadata given");
  if (contents.tokenizer_kind == TokenizerKind::kNone || contents.tokenizer_bytes.empty()) {
    return InvalidArgumentError(path + ": no tokenizer given");
  }
  if (contents.config_json.empty()) return InvalidArgumentError(path + ": no config.json given");
  return Status::Ok();
}

Status WriteTensors(LitertlmWriter& writer, const WeightSource& weights,
                    const std::vector<std::string>& names, const TensorTransform& transform,
                    const ProgressCallback& progress) {
  TensorScratch scratch;
  RETURN_IF_ERROR(writer.BeginWeights());
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    ASSIGN_OR_RETURN(TensorView source, weights.Tensor(name));
    if (transform) {
      ASSIGN_OR_RETURN(TensorView stored, transform(name, source, scratch));
      RETURN_IF_ERROR(writer.AddTensor(name, stored));
    } else {
      RETURN_IF_ERROR(writer.AddTensor(name, source));
    }
    if (progress && !progress({i + 1, names.size(), name, writer.bytes_written()})) {
      return CancelledError(writer.path() + ": cancelled after tensor " + std::to_string(i + 1) +
                            " of " + std::to_string(names.size()));
    }
  }
  return writer.EndWeights();
}

}  // namespace

Status WriteModelFile(const std::string& path, const ModelFileContents& contents,
                      const WeightSource& weights, const std::vector<std::string>& tensor_order,
                      const TensorTransform& transform, const ProgressCallback& progress) {
  RETURN_IF_ERROR(CheckContents(path, contents));
  ASSIGN_OR_RETURN(std::unique_ptr<LitertlmWriter> writer, LitertlmWriter::Create(path));
  for (const KeyValue& kv : contents.system_metadata) writer->AddSystemMetadata(kv.key, kv.value);
  RETURN_IF_ERROR(writer->AddLlmMetadata(*contents.metadata));
  const auto* tok = reinterpret_cast<const uint8_t*>(contents.tokenizer_bytes.data());
  if (contents.tokenizer_kind == TokenizerKind::kSentencePiece) {
    RETURN_IF_ERROR(writer->AddSentencePieceTokenizer({tok, contents.tokenizer_bytes.size()}));
  } else {
    RETURN_IF_ERROR(writer->AddHfTokenizerJson(contents.tokenizer_bytes));
  }
  RETURN_IF_ERROR(writer->AddHfConfigJson(contents.config_json));
  const std::vector<std::string> names =
      tensor_order.empty() ? weights.TensorNames() : tensor_order;
  RETURN_IF_ERROR(WriteTensors(*writer, weights, names, transform, progress));
  return writer->Finish();
}

}  // namespace litertlm::format
