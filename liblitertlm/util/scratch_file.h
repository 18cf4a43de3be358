// An unnamed temporary file for data too large to hold in memory until it can be written where it
// belongs (e.g. a TFLite model's weight buffers, which follow a FlatBuffer whose size is known only
// at the end). Created in a given directory (the output's, so it lands on the same file system
// with the same free space) with O_TMPFILE, or as a file unlinked at once where the file system
// lacks O_TMPFILE: it never has a name, and the kernel frees it when the descriptor closes, crash
// included. Its pages live in the page cache, not in the process's resident memory.
#ifndef LITERTLM_UTIL_SCRATCH_FILE_H_
#define LITERTLM_UTIL_SCRATCH_FILE_H_

#include <cstdint>
#include <span>
#include <string>

#include "litertlm/status.h"

namespace litertlm {

class ScratchFile {
 public:
  // Errors name `dir`.
  static StatusOr<ScratchFile> Create(const std::string& dir);

  ScratchFile() = default;
  ScratchFile(ScratchFile&& other) noexcept;
  ScratchFile& operator=(ScratchFile&& other) noexcept;
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile();

  // Appends `bytes`; returns the offset they start at.
  StatusOr<uint64_t> Append(std::span<const uint8_t> bytes);
  // Fills `out` from `offset` (all of it must have been appended).
  Status ReadAt(uint64_t offset, std::span<uint8_t> out) const;
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string dir_;
};

}  // namespace litertlm

#endif  // LITERTLM_UTIL_SCRATCH_FILE_H_
