// The Google-compatible output of Convert: the model written as a TFLite model section
// (format/tflite_llm_writer.h, litert-torch export_hf conventions) that Google's LiteRT-LM runtime
// runs and liblitertlm imports (format/tflite_importer.h). One file for both engines.
#ifndef LITERTLM_CONVERTER_TFLITE_OUTPUT_H_
#define LITERTLM_CONVERTER_TFLITE_OUTPUT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "converter/conversion_source.h"
#include "format/executor_metadata.pb.h"
#include "format/litertlm_writer.h"
#include "format/model_family.h"
#include "litertlm/converter.h"
#include "litertlm/status.h"
#include "model/model_weights.h"

namespace litertlm::converter {

// OK when the TFLite writer writes this model with these options (every Quantization has a TFLite
// form: dynamic_int8 / int8 → int8 per channel, int4 → block-wise with fp16 scales, fp16 →
// FLOAT16 + DEQUANTIZE, fp32); otherwise the first reason it does not: UNIMPLEMENTED for a family
// or shape it does not write, INVALID_ARGUMENT for options out of range (prefill lengths).
Status CheckTfliteWritable(const ModelConfig& config, const ConvertOptions& options);

// Writes the TFLiteModel section (model_type prefill_decode) from `src` into `writer`, streaming:
// the weight buffers wait in a scratch file beside the output (the FlatBuffer, which precedes
// them, is complete only at the end), so memory holds one tensor at a time. Errors name the
// source file or tensor. `on_stored` (may be empty) is called after each source tensor with its name
// and the bytes written so far (file and scratch file); its error (e.g. CANCELLED) stops the write.
// `int4_fallbacks` (may be null) receives the number of matrices an int4 quantization stored as
// int8 per channel (input count not a multiple of format::kTfliteInt4Group).
Status WriteTfliteModelSection(ConversionSource& src, const ConvertOptions& options, format::LitertlmWriter& writer,
                               const std::function<Status(const std::string& name, uint64_t bytes)>& on_stored,
                               int* int4_fallbacks = nullptr);

// The ExecutorMetadata section export_hf writes for the TFLiteModel section just written (the
// writer's last section), read off that graph (format/executor_metadata.h) so that it describes
// exactly what the file holds. The caller adds it after validation, which reads the TFLite
// section as the writer's last.
StatusOr<litert::lm::proto::ExecutorMetadata> ExecutorMetadataOfWrittenTflite(const format::LitertlmWriter& writer);

// The model as liblitertlm loads the finished file: the TFLiteModel section just written (the
// writer's last section), mapped from its temporary file and imported by graph pattern
// (format/tflite_importer.h), so validation runs what the file holds, config included.
struct ImportedTflite {
  ModelConfig config;
  std::unique_ptr<WeightSource> weights;
  WeightLoadOptions weight_options;  // as ModelLoader builds them by default (model/tflite_weight_options.h)
};
StatusOr<ImportedTflite> ImportWrittenTflite(const format::LitertlmWriter& writer, const ModelFamily* family);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_TFLITE_OUTPUT_H_
