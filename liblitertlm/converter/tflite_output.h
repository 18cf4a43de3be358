// The Google-compatible output of Convert: the model written as a TFLite model section
// (format/tflite_llm_writer.h, litert-torch export_hf conventions) that Google's LiteRT-LM runtime
// runs and liblitertlm imports (format/tflite_importer.h). One file for both engines.
#ifndef LITERTLM_CONVERTER_TFLITE_OUTPUT_H_
#define LITERTLM_CONVERTER_TFLITE_OUTPUT_H_

#include "converter/conversion_source.h"
#include "format/litertlm_writer.h"
#include "litertlm/converter.h"
#include "litertlm/status.h"

namespace litertlm::converter {

// OK when `options.quantization` has a Google runtime equivalent for the TFLite layout
// (dynamic_int8 / int8 → int8 per-channel weights with float activations, fp32); otherwise an
// INVALID_ARGUMENT that names the scheme and says to use --format liblitertlm.
Status CheckTfliteQuantization(Quantization quantization);

// Writes the TFLiteModel section (model_type prefill_decode) from `src` into `writer`. Errors
// name the source file or tensor.
Status WriteTfliteModelSection(ConversionSource& src, const ConvertOptions& options, format::LitertlmWriter& writer);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_TFLITE_OUTPUT_H_
