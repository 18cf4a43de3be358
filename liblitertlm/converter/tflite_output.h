// The Google-compatible output of Convert: the model written as a TFLite model section
// (format/tflite_llm_writer.h, litert-torch export_hf conventions) that Google's LiteRT-LM runtime
// runs and liblitertlm imports (format/tflite_importer.h). One file for both engines.
#ifndef LITERTLM_CONVERTER_TFLITE_OUTPUT_H_
#define LITERTLM_CONVERTER_TFLITE_OUTPUT_H_

#include <memory>
#include <vector>

#include "converter/conversion_source.h"
#include "format/litertlm_writer.h"
#include "litertlm/converter.h"
#include "litertlm/status.h"

namespace litertlm::converter {

// OK when `options.quantization` has a Google runtime equivalent for the TFLite layout
// (dynamic_int8 / int8 → int8 per-channel weights with float activations, fp32); otherwise an
// INVALID_ARGUMENT that names the scheme and says to use --format liblitertlm.
Status CheckTfliteQuantization(Quantization quantization);

// Writes the TFLiteModel section (model_type prefill_decode) from `src` into `writer` and returns
// the model's bytes (for validation). Errors name the source file or tensor.
StatusOr<std::shared_ptr<const std::vector<uint8_t>>> WriteTfliteModelSection(ConversionSource& src,
                                                                             const ConvertOptions& options,
                                                                             format::LitertlmWriter& writer);

// The model as liblitertlm loads the finished file: the TFLite bytes imported by graph pattern
// (format/tflite_importer.h), so validation runs what the file holds, config included.
struct ImportedTflite {
  ModelConfig config;
  std::unique_ptr<WeightSource> weights;
  bool int8 = false;
};
StatusOr<ImportedTflite> ImportWrittenTflite(std::shared_ptr<const std::vector<uint8_t>> model, Arch arch,
                                             const std::string& origin);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_TFLITE_OUTPUT_H_
