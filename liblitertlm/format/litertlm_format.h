// Constants and plain types shared by the .litertlm writer and reader (LITERTLM_FORMAT.md has
// the full layout). The container is the LiteRT-LM one: a 32-byte preamble, a FlatBuffer header
// (litertlm_header.fbs) with system metadata and a section table, then sections aligned to
// 16 KiB. liblitertlm stores its own payloads (weights, config.json) as GenericBinaryData
// sections tagged with a "content" item so that upstream tools see them as opaque bytes.
#ifndef LITERTLM_FORMAT_LITERTLM_FORMAT_H_
#define LITERTLM_FORMAT_LITERTLM_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace litertlm::format {

// ---- Preamble ----
inline constexpr std::string_view kLitertlmMagic = "LITERTLM";  // bytes 0..7, no NUL
inline constexpr uint32_t kLitertlmMajorVersion = 1;  // readers reject any other major
// The version bytes 8..19 of a file. The header layout is the same for every 1.x with x >= 2; a
// minor bump only appends section types (LITERTLM_FORMAT.md "Versions").
struct LitertlmVersion {
  uint32_t major = kLitertlmMajorVersion;
  uint32_t minor = 0;
  uint32_t patch = 0;
};
// What `--format liblitertlm` files carry (the writer's default): they hold only section types
// 1.6 defines, and so stay byte-identical to the files written before 1.7 existed.
inline constexpr LitertlmVersion kOwnFormatVersion{1, 6, 0};
// What Google's current tools stamp (litert-lm-builder 0.18.1, litert-torch 0.10.0 export_hf),
// and so what `--format tflite` files carry.
inline constexpr LitertlmVersion kGoogleToolsVersion{1, 7, 0};
inline constexpr uint64_t kPreambleSize = 32;           // header FlatBuffer starts here
inline constexpr uint64_t kHeaderEndFieldOffset = 24;   // u64 header_end_offset
inline constexpr uint64_t kSectionAlignment = 16384;    // every section begins on a multiple
// The writer keeps the header within the first 16 KiB (the LiteRT-LM runtime maps only that much).
inline constexpr uint64_t kMaxWrittenHeaderEnd = kSectionAlignment;

// ---- Section types (litert.lm.schema.AnySectionDataType; numbers are frozen) ----
enum class SectionType : uint8_t {
  kNone = 0,
  kGenericBinaryData = 1,
  kDeprecated = 2,
  kTfliteModel = 3,
  kSpTokenizer = 4,        // raw SentencePiece ModelProto bytes
  kLlmMetadataProto = 5,   // binary litert.lm.proto.LlmMetadata
  kHfTokenizerZlib = 6,    // u64 LE uncompressed size + zlib(tokenizer.json)
  kTfliteWeights = 7,
  kEmbeddingMetadataProto = 8,
  kExecutorMetadataProto = 9,  // binary litert.lm.proto.ExecutorMetadata (executor_metadata.proto)
  kTtsMetadataProto = 10,      // 1.7; carried, not interpreted
  kAsrMetadataProto = 11,      // 1.7; carried, not interpreted
};
inline constexpr uint8_t kMaxKnownSectionType = 11;
// "LlmMetadataProto" etc. as the schema spells them; "Unknown(<n>)" for other numbers.
std::string SectionTypeName(uint8_t type);

// ---- Section item keys liblitertlm writes and reads ----
// Every GenericBinaryData section liblitertlm writes carries content=<one of the values below>.
inline constexpr std::string_view kContentKey = "content";
inline constexpr std::string_view kContentWeights = "liblitertlm_weights";  // WEIGHTS_FORMAT.md
inline constexpr std::string_view kContentHfConfigJson = "hf_config_json";  // config.json verbatim
// Weights sections also carry weights_format_version=<uint32> (kWeightsFormatVersion).
inline constexpr std::string_view kWeightsFormatVersionKey = "weights_format_version";

// The HF tokenizer.json a kHfTokenizerZlib section may inflate to, at most (as upstream).
inline constexpr uint64_t kMaxHfTokenizerJsonSize = uint64_t{1} << 30;

// ---- Key/value metadata ----
// A VData value. The variant index + 1 is the VData union type number (UInt8=1 … Double=12).
using MetadataValue = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float,
                                   bool, std::string, uint64_t, int64_t, double>;

struct KeyValue {
  std::string key;
  MetadataValue value;
};

// One entry of the header's section table.
struct SectionInfo {
  uint8_t type = 0;        // SectionType number (may be one this build does not know)
  uint64_t begin = 0;      // absolute file offset, inclusive
  uint64_t end = 0;        // absolute file offset, exclusive
  std::vector<KeyValue> items;
  std::string content;     // value of the "content" string item, if any
};

// The value as text ("7", "true", "abc"), for display.
std::string MetadataValueToString(const MetadataValue& value);
// The first entry whose key equals `key` (case-sensitive), or nullptr.
const KeyValue* FindKey(const std::vector<KeyValue>& entries, std::string_view key);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LITERTLM_FORMAT_H_
