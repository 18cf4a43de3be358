// WeightSource over a Google-made .litertlm file (LiteRT-LM's own toolchain: one TFLiteModel
// section holding the weights, no liblitertlm weights / config.json sections), or over a plain
// .tflite file of the same kind. The TFLite model
// is imported by graph pattern (tflite_importer.h); tensors are zero-copy views of the file's
// memory map, and the import's ModelConfig replaces config.json. Immutable; thread-safe.
#ifndef LITERTLM_FORMAT_TFLITE_WEIGHT_SOURCE_H_
#define LITERTLM_FORMAT_TFLITE_WEIGHT_SOURCE_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/litertlm_reader.h"
#include "format/tflite_importer.h"
#include "format/tflite_model.h"
#include "format/weight_source.h"
#include "util/mapped_file.h"

namespace litertlm::format {

// True when `reader` has no liblitertlm weights section but a TFLiteModel section whose
// model_type is prefill_decode (or unnamed): what ModelLoader hands to TfliteWeightSource.
bool HasTfliteLlmSection(const LitertlmReader& reader);

class TfliteWeightSource : public WeightSource {
 public:
  // Imports the TFLiteModel section of `reader`. Errors name the file and the op, signature or
  // tensor at fault.
  static StatusOr<std::unique_ptr<TfliteWeightSource>> Create(std::shared_ptr<const LitertlmReader> reader);
  // Maps and imports a plain .tflite file (what litert-torch's converters write before packing);
  // the family comes from the graph (no LlmMetadata).
  static StatusOr<std::unique_ptr<TfliteWeightSource>> OpenTflite(const std::string& path);

  std::vector<std::string> TensorNames() const override;
  bool HasTensor(const std::string& name) const override;
  StatusOr<TensorView> Tensor(const std::string& name) const override;
  const std::string& origin() const override { return origin_; }
  // Drops the mapped pages of tensor `name` (after a load packed a copy of it).
  void DropPages(const std::string& name) const override;

  // The .litertlm file; nullptr for a plain .tflite file (OpenTflite).
  const LitertlmReader* litertlm() const { return reader_.get(); }
  const TfliteImport& import() const { return *import_; }
  // The TFLite model's bytes in the mapping. After the import only the parts the views point into
  // stay resident (UnreferencedRanges' pages are dropped); do not read the FlatBuffer again.
  std::span<const uint8_t> model_bytes() const { return model_->bytes(); }

 private:
  TfliteWeightSource() = default;
  std::string origin_;
  std::shared_ptr<const LitertlmReader> reader_;  // or
  MappedFile file_;                              // a plain .tflite file
  std::unique_ptr<TfliteModel> model_;
  std::unique_ptr<TfliteImport> import_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_TFLITE_WEIGHT_SOURCE_H_
