// Read-only memory map of a whole file (RAII). Movable, not copyable.
#ifndef LITERTLM_UTIL_MAPPED_FILE_H_
#define LITERTLM_UTIL_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "litertlm/status.h"

namespace litertlm {

class MappedFile {
 public:
  // Maps `path` read-only. Errors name the path. An empty file maps to an empty span.
  static StatusOr<MappedFile> Open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Advises the kernel to drop the resident pages wholly inside `range` (a sub-span of bytes()):
  // the mapping is a read-only file mapping, so a later access re-reads them from the file and
  // views stay valid. Lowers RSS while streaming through a large file; no-op outside the mapping.
  void DropPages(std::span<const uint8_t> range) const;
  // Maps every page of `range` (a sub-span of bytes()) now, from the page cache or the file
  // (MADV_POPULATE_READ), so that later reads take no page faults. Best effort: a kernel older
  // than Linux 5.14 leaves the pages to be faulted in on first access.
  void Prefault(std::span<const uint8_t> range) const;
  // Locks the pages of `range` (a sub-span of bytes()) in memory until the file is unmapped
  // (mlock). RESOURCE_EXHAUSTED naming the path, the size and RLIMIT_MEMLOCK when refused.
  Status Lock(std::span<const uint8_t> range) const;
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace litertlm

#endif  // LITERTLM_UTIL_MAPPED_FILE_H_
