#include "format/litertlm_format.h"

#include <cstdio>
#include <iterator>
#include <type_traits>

namespace litertlm::format {

std::string SectionTypeName(uint8_t type) {
  static constexpr const char* kNames[] = {
      "NONE",          "GenericBinaryData", "Deprecated",        "TFLiteModel",
      "SP_Tokenizer",  "LlmMetadataProto",  "HF_Tokenizer_Zlib", "TFLiteWeights",
      "EmbeddingMetadataProto", "ExecutorMetadataProto", "TtsMetadataProto",
      "AsrMetadataProto"};
  static_assert(std::size(kNames) == kMaxKnownSectionType + 1);
  if (type <= kMaxKnownSectionType) return kNames[type];
  return "Unknown(" + std::to_string(type) + ")";
}

std::string MetadataValueToString(const MetadataValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_floating_point_v<T>) {
          char buf[64];
          std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
          return buf;
        } else {
          return std::to_string(static_cast<std::conditional_t<std::is_signed_v<T>, int64_t,
                                                               uint64_t>>(v));
        }
      },
      value);
}

const KeyValue* FindKey(const std::vector<KeyValue>& entries, std::string_view key) {
  for (const KeyValue& kv : entries) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

}  // namespace litertlm::format
