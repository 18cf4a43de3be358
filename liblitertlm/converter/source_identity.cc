// SourceFingerprint and RemovePendingConversionFiles (litertlm/converter.h).
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "litertlm/converter.h"
#include "util/digest.h"
#include "util/pending_files.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

// Bytes hashed at each end of the file: the whole header of a GGUF (metadata, tensor table) and
// its last tensor bytes, so a truncated, re-quantized or different file with the same name and
// size still differs, in milliseconds even for a multi-GB file.
constexpr uint64_t kEdgeBytes = uint64_t{1} << 20;

Status HashRange(std::ifstream& in, uint64_t offset, uint64_t size, Digest& digest,
                 const std::string& path) {
  std::vector<char> buf(static_cast<size_t>(size));
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in.read(buf.data(), static_cast<std::streamsize>(size)))
    return UnknownError(path + ": cannot read " + std::to_string(size) + " bytes at offset " +
                        std::to_string(offset));
  digest.Update(buf.data(), buf.size());
  return Status::Ok();
}

}  // namespace

void RemovePendingConversionFiles() noexcept { RemovePendingFiles(); }

StatusOr<std::string> SourceFingerprint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFoundError(path + ": no such file");
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(path + ": not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::ifstream in(path, std::ios::binary);
  if (!in) return PermissionDeniedError(path + ": cannot open");
  ASSIGN_OR_RETURN(Digest digest, Digest::Create(Digest::Kind::kSha256));
  const uint64_t head = std::min(size, kEdgeBytes);
  RETURN_IF_ERROR(HashRange(in, 0, head, digest, path));
  if (size > head) {
    const uint64_t tail_start = std::max(head, size - kEdgeBytes);
    RETURN_IF_ERROR(HashRange(in, tail_start, size - tail_start, digest, path));
  }
  const int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  char line[200];
  std::snprintf(line, sizeof(line), "size=%llu mtime_ns=%lld sha256_edges=",
                static_cast<unsigned long long>(size), static_cast<long long>(mtime_ns));
  return std::string(line) + digest.FinishHex();
}

}  // namespace litertlm
