// Integrity of a .litertlm file written by liblitertlm: the SHA-256 of every byte after the
// header region ([16384, end of file): all sections and the padding between them), stored as the
// header's system metadata entry "liblitertlm_sections_sha256" (64 lower-case hex digits).
// Google's runtime and tools skip system metadata keys they do not know, so the file stays
// readable by them. Verifying reads the whole file (SHA-256: ~1 s per 276 MB on the CI machine), so it is done by
// `verify` and `pull`, never on every load: a load checks the structure only (sizes and offsets
// against the file size), which catches truncation in microseconds (LITERTLM_FORMAT.md).
#ifndef LITERTLM_FORMAT_LITERTLM_CHECKSUM_H_
#define LITERTLM_FORMAT_LITERTLM_CHECKSUM_H_

#include <cstdint>
#include <span>
#include <string>

#include "format/litertlm_reader.h"
#include "litertlm/status.h"

namespace litertlm::format {

inline constexpr char kSectionsSha256Key[] = "liblitertlm_sections_sha256";

// SHA-256 (hex) of file_bytes[kSectionAlignment, end); of nothing when the file is shorter.
StatusOr<std::string> SectionsSha256(std::span<const uint8_t> file_bytes);

enum class ChecksumState { kVerified, kAbsent };
// kVerified: the recorded checksum matches; kAbsent: the file records none (written by another
// tool or by liblitertlm before checksums). DATA_LOSS naming the file when it does not match.
StatusOr<ChecksumState> VerifySectionsChecksum(const LitertlmReader& reader);

// The sentence added to errors about a damaged model file.
std::string RepairHint();

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LITERTLM_CHECKSUM_H_
