// Writes a complete liblitertlm model file in one call: LlmMetadata, tokenizer, config.json and
// every tensor of a WeightSource, streamed one tensor at a time through an optional transform
// (e.g. a quantizer). Peak memory is one source tensor plus what the transform allocates for it.
// The destination appears only when everything succeeded (LitertlmWriter: temp file + rename);
// on error or cancellation nothing is left behind.
//
// This is the writing half of a conversion; choosing the metadata, the per-tensor dtype and
// validating the result are the caller's (the converter's) job.
#ifndef LITERTLM_FORMAT_MODEL_FILE_WRITER_H_
#define LITERTLM_FORMAT_MODEL_FILE_WRITER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "format/litertlm_format.h"
#include "format/litertlm_reader.h"
#include "format/weight_source.h"
#include "litertlm/status.h"
#include "tensor/tensor_view.h"

namespace litert::lm::proto {
class LlmMetadata;
}  // namespace litert::lm::proto

namespace litertlm::format {

struct ModelFileContents {
  const litert::lm::proto::LlmMetadata* metadata = nullptr;  // required
  TokenizerKind tokenizer_kind = TokenizerKind::kNone;        // required (not kNone)
  // kSentencePiece: tokenizer.model bytes; kHfTokenizerJson: tokenizer.json text (compressed here).
  std::string_view tokenizer_bytes;
  std::string_view config_json;  // config.json verbatim; required
  std::vector<KeyValue> system_metadata;
};

// Storage a transform may fill and point its result at; reused across tensors.
struct TensorScratch {
  std::vector<uint8_t> data;
  std::vector<float> scales;
};

// Returns the tensor to store for `name` given the source tensor. The result may point into the
// source, into `scratch`, or anywhere that stays valid until the transform is called again.
using TensorTransform =
    std::function<StatusOr<TensorView>(const std::string& name, const TensorView& source,
                                       TensorScratch& scratch)>;

struct WriteProgress {
  size_t tensor_index = 0;  // tensors finished so far (1-based after each tensor)
  size_t tensor_count = 0;
  std::string tensor_name;
  uint64_t bytes_written = 0;  // file bytes so far
};
// Called after each tensor; return false to cancel (the call then returns CANCELLED).
using ProgressCallback = std::function<bool(const WriteProgress&)>;

// `tensor_order` lists the tensors to store (empty = all, in weights.TensorNames() order).
// `transform` may be empty (tensors are copied as they are); `progress` may be empty.
Status WriteModelFile(const std::string& path, const ModelFileContents& contents,
                      const WeightSource& weights, const std::vector<std::string>& tensor_order,
                      const TensorTransform& transform, const ProgressCallback& progress);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_MODEL_FILE_WRITER_H_
