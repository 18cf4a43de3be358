// Decodes the FlatBuffer header of a .litertlm file (bytes [32, header_end)) into plain structs,
// after running the FlatBuffers Verifier over it. Two schemas: v1.2+ (primitive values are
// tables, litertlm_header.fbs) and v1.0/1.1 (primitive values are structs,
// litertlm_header_v1_0.fbs). Only structure is checked here; offsets are checked by the reader.
#ifndef LITERTLM_FORMAT_HEADER_DECODER_H_
#define LITERTLM_FORMAT_HEADER_DECODER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "format/litertlm_format.h"
#include "litertlm/status.h"

namespace litertlm::format {

struct DecodedHeader {
  std::vector<KeyValue> system_metadata;
  std::vector<SectionInfo> sections;
};

// `where` prefixes messages (the file path). DATA_LOSS on any structural problem.
StatusOr<DecodedHeader> DecodeHeader(std::span<const uint8_t> header, bool struct_values,
                                     const std::string& where);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_HEADER_DECODER_H_
