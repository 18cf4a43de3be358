// Parses a Hugging Face config.json into ModelConfig (format/model_config.h): the generic fields
// here, the architecture's own with the parser its family record names (format/model_family.h).
// config.json is decoded here like GGUF metadata (gguf_hf_config.h) and TFLite graphs
// (tflite_importer.h), below every reader of ModelConfig.
#ifndef LITERTLM_FORMAT_CONFIG_PARSER_H_
#define LITERTLM_FORMAT_CONFIG_PARSER_H_

#include <cstdint>
#include <string>

#include "format/model_config.h"
#include "litertlm/status.h"

namespace litertlm {

// Parses config.json text. `origin` (the file) prefixes errors, which name the field.
// `tensors_in_source` is how many tensors the weights that come with the config hold: sizes that
// decide how much is allocated before any tensor is read (the number of layers) are checked
// against it first, so a hostile or damaged config (num_hidden_layers: 1000000000) is an error
// naming the field, never a huge allocation. The other dimensions are checked against the
// tensors' shapes before anything of their size is allocated (model_weights.h, converter).
// -1 = no weights known (the parser alone, in tests).
StatusOr<ModelConfig> ParseModelConfig(const std::string& json_text, const std::string& origin,
                                       int64_t tensors_in_source = -1);

// INVALID_ARGUMENT / UNIMPLEMENTED when the config names no architecture or one that is not
// supported; reads nothing else (used to report an unsupported model before its weights).
Status CheckModelArchitecture(const std::string& json_text, const std::string& origin);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_CONFIG_PARSER_H_
