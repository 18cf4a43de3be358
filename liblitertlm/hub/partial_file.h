// The file being downloaded: "<dest>.incomplete" next to the destination. Keeps a running digest
// of everything written (including bytes already there from an earlier, interrupted run) and
// moves the file into place only when size and digest match.
// Thread-safety: single-threaded use.
#ifndef LITERTLM_HUB_PARTIAL_FILE_H_
#define LITERTLM_HUB_PARTIAL_FILE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hub/etag.h"
#include "litertlm/status.h"
#include "util/digest.h"

namespace litertlm::hub {

class PartialFile {
 public:
  // Opens (creating the parent directories and the file if needed) "<dest_path>.incomplete" for
  // appending. `etag` (normalised) selects the check: SHA-256 when 64 hex, git blob SHA-1 when
  // 40 hex and the size is known, size only otherwise. Existing bytes are hashed so a resumed
  // download is verified as a whole. An existing partial longer than `expected_size` is
  // truncated. The partial file is locked (flock) while open: a second download of the same
  // file, from this or another process, gets UNAVAILABLE instead of interleaving bytes.
  static StatusOr<PartialFile> Open(const std::string& dest_path, const std::string& etag,
                                    std::optional<uint64_t> expected_size,
                                    const std::string& label);
  PartialFile(PartialFile&& other) noexcept;
  PartialFile& operator=(PartialFile&&) = delete;
  ~PartialFile();

  uint64_t size() const { return size_; }
  // Empties the file (the server ignored our Range request).
  Status Restart();
  // Appends bytes. A full disk (ENOSPC, EDQUOT, EFBIG) deletes the partial file and returns
  // RESOURCE_EXHAUSTED.
  Status Append(const char* data, size_t size);
  // Checks size and digest, fsyncs, renames over dest_path. On mismatch deletes the partial
  // file and returns DATA_LOSS naming the file and both digests.
  Status Commit();
  // Closes and deletes the partial file.
  void Discard();
  // Closes, keeping the partial file for a later resume.
  void Keep();

  const std::string& partial_path() const { return partial_path_; }

 private:
  PartialFile() = default;
  Status ResetDigest();
  Status HashExisting();
  Status DiskError(const char* op, int err);

  int fd_ = -1;
  uint64_t size_ = 0;
  std::optional<uint64_t> expected_size_;
  std::string etag_;
  EtagKind etag_kind_ = EtagKind::kOpaque;
  std::optional<Digest> digest_;
  std::string dest_path_;
  std::string partial_path_;
  std::string label_;  // "org/name/file" for messages
};

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_PARTIAL_FILE_H_
