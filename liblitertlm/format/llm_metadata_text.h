// LlmMetadata ⇄ protobuf text format (the `.textproto`/`.pbtext` form LiteRT-LM tools use), so
// code outside format/ never touches protobuf APIs.
#ifndef LITERTLM_FORMAT_LLM_METADATA_TEXT_H_
#define LITERTLM_FORMAT_LLM_METADATA_TEXT_H_

#include <string>
#include <string_view>

#include "litertlm/status.h"

namespace litert::lm::proto {
class LlmMetadata;
}  // namespace litert::lm::proto

namespace litertlm::format {

// Multi-line text format; UTF-8 strings printed as-is (not octal-escaped).
std::string LlmMetadataToText(const litert::lm::proto::LlmMetadata& metadata);

// Parses text format (comments allowed; unknown fields are errors). INVALID_ARGUMENT naming
// `origin`, the line and column on failure.
Status LlmMetadataFromText(std::string_view text, std::string_view origin,
                           litert::lm::proto::LlmMetadata* metadata);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LLM_METADATA_TEXT_H_
