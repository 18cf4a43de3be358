#include "format/litertlm_checksum.h"

#include <algorithm>
#include <variant>

#include "format/litertlm_format.h"
#include "util/digest.h"
#include "util/status_macros.h"

namespace litertlm::format {

StatusOr<std::string> SectionsSha256(std::span<const uint8_t> file_bytes) {
  ASSIGN_OR_RETURN(Digest digest, Digest::Create(Digest::Kind::kSha256));
  if (file_bytes.size() > kSectionAlignment) {
    constexpr size_t kChunk = size_t{1} << 24;
    for (size_t at = kSectionAlignment; at < file_bytes.size(); at += kChunk) {
      const size_t n = std::min(kChunk, file_bytes.size() - at);
      digest.Update(file_bytes.data() + at, n);
    }
  }
  return digest.FinishHex();
}

StatusOr<ChecksumState> VerifySectionsChecksum(const LitertlmReader& reader) {
  const std::string* recorded = nullptr;
  for (const KeyValue& kv : reader.system_metadata()) {
    if (kv.key == kSectionsSha256Key) recorded = std::get_if<std::string>(&kv.value);
  }
  if (recorded == nullptr) return ChecksumState::kAbsent;
  ASSIGN_OR_RETURN(std::string actual, SectionsSha256(reader.bytes()));
  if (actual == *recorded) return ChecksumState::kVerified;
  return DataLossError(reader.origin() + ": damaged file: its contents do not match the SHA-256 " +
                       "it was written with (" + recorded->substr(0, 12) + "…, now " +
                       actual.substr(0, 12) + "…). " + RepairHint());
}

std::string RepairHint() {
  return "Delete it and get it again: `litert-lm-cli rm MODEL`, then `litert-lm-cli pull MODEL` "
         "(or convert it again)";
}

}  // namespace litertlm::format
