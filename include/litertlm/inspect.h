// File: litertlm/inspect.h
// What is inside a .litertlm file, without loading the model: container version, section table,
// LLM metadata (as protobuf text format), tokenizer kind and a tensor/quantization summary. The
// file is fully validated first; a malformed file yields a Status naming the file and the fault.
// Works on upstream LiteRT-LM files too (sections are listed; they carry no liblitertlm weights).
//
//   litertlm::StatusOr<litertlm::LitertlmFileInfo> info =
//       litertlm::InspectLitertlmFile("models/Qwen/Qwen3-0.6B/Qwen3-0.6B.litertlm");
//   if (info.ok()) std::cout << info->metadata_text;
//
// Thread-safety: a pure function of the file; may be called concurrently.
#ifndef LITERTLM_INSPECT_H_
#define LITERTLM_INSPECT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "litertlm/export.h"
#include "litertlm/status.h"

namespace litertlm {

struct LitertlmSectionSummary {
  std::string type;           // "LlmMetadataProto", "SP_Tokenizer", "GenericBinaryData", ...
  uint64_t begin_offset = 0;  // absolute, inclusive
  uint64_t end_offset = 0;    // absolute, exclusive
  std::vector<std::pair<std::string, std::string>> items;  // section key/values, as text
  // TFLiteModel sections: the model's signature keys ("prefill_128", "decode", ...), in file order.
  std::vector<std::string> signatures;
  // ExecutorMetadataProto sections: one line, e.g. "6 state buffers: 3 TYPE_GLOBAL_KEY_CACHE (axis 2,
  // length <= 64), 3 TYPE_GLOBAL_VALUE_CACHE (axis 3, length <= 64); max history 64". Empty otherwise.
  std::string executor_metadata;
};

struct DTypeSummary {
  std::string dtype;       // "f32", "bf16", "i8", "i4_block32", ...
  int64_t tensors = 0;
  int64_t elements = 0;
  uint64_t bytes = 0;      // data + scales
};

struct LitertlmFileInfo {
  std::string path;
  uint32_t major_version = 0, minor_version = 0, patch_version = 0;
  uint64_t file_size = 0;
  uint64_t header_end = 0;  // preamble + header bytes
  std::vector<std::pair<std::string, std::string>> system_metadata;
  std::vector<LitertlmSectionSummary> sections;  // header order
  std::string metadata_text;  // LlmMetadata in protobuf text format; empty without that section
  std::string tokenizer;      // "sentencepiece", "hf_tokenizer_json" or "none"
  int64_t tensor_count = 0;   // 0 without a liblitertlm weights section
  uint64_t tensor_bytes = 0;  // data + scales of all tensors
  std::vector<DTypeSummary> dtypes;  // one row per dtype present, by DType number
};

LITERTLM_API StatusOr<LitertlmFileInfo> InspectLitertlmFile(const std::string& path);

}  // namespace litertlm

#endif  // LITERTLM_INSPECT_H_
