// What a conversion reads: config, weights, tokenizer and chat template, from a Hugging Face
// checkpoint directory or a GGUF file, in one shape.
#ifndef LITERTLM_CONVERTER_CONVERSION_SOURCE_H_
#define LITERTLM_CONVERTER_CONVERSION_SOURCE_H_

#include <memory>
#include <string>

#include "format/litertlm_reader.h"
#include "format/model_config.h"
#include "format/weight_source.h"
#include "litertlm/status.h"

namespace litertlm {
class GgufWeightSource;
}  // namespace litertlm

namespace litertlm::converter {

struct ConversionSource {
  std::string path;
  std::string config_json;  // config.json verbatim (GGUF: GgufToHfConfigJson)
  ModelConfig config;
  std::unique_ptr<WeightSource> weights;
  GgufWeightSource* gguf = nullptr;  // == weights.get() for GGUF sources (Release per tensor)
  format::TokenizerKind tokenizer_kind = format::TokenizerKind::kNone;
  std::string tokenizer_bytes;  // tokenizer.model bytes or tokenizer.json text
  std::string chat_template;    // Jinja (ReadTokenizerConfig; GGUF: tokenizer.chat_template); "" = none

  // "qwen3" / "gemma3_text", the key of format::BuildDefaultLlmMetadata.
  std::string model_type() const;
};

// Opens `path`: a checkpoint directory (config.json, safetensors, tokenizer.model or
// tokenizer.json, the chat template of ReadTokenizerConfig) or a *.gguf file.
// NOT_FOUND names a missing path/file; UNIMPLEMENTED/INVALID_ARGUMENT for unsupported models.
StatusOr<ConversionSource> OpenConversionSource(const std::string& path);

}  // namespace litertlm::converter

#endif  // LITERTLM_CONVERTER_CONVERSION_SOURCE_H_
