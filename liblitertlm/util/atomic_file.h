// Writes a file so that readers never see it half-written: data goes to "<path>.tmp.<pid>", is
// fsync'd, then renamed over `path`. If the writer is destroyed without Commit(), the temporary
// file is removed. The temporary file is registered in util/pending_files.h (removable from a
// signal handler), and Create first sweeps "<path>.tmp.<pid>" files of processes that are gone.
#ifndef LITERTLM_UTIL_ATOMIC_FILE_H_
#define LITERTLM_UTIL_ATOMIC_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "litertlm/status.h"

namespace litertlm {

class AtomicFileWriter {
 public:
  static StatusOr<AtomicFileWriter> Create(const std::string& path);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  Status Write(const void* data, size_t size);
  // Pads with zero bytes until the file offset is a multiple of `alignment`.
  Status PadTo(size_t alignment);
  // Overwrites bytes at an absolute offset already written (e.g. a header patched at the end).
  Status WriteAt(uint64_t offset, const void* data, size_t size);
  uint64_t offset() const { return offset_; }
  // The temporary file being written (readable, e.g. mmap'd, before Commit).
  const std::string& tmp_path() const { return tmp_path_; }
  // fsync + rename into place. After Commit the writer is closed.
  Status Commit();

 private:
  AtomicFileWriter() = default;
  int fd_ = -1;
  uint64_t offset_ = 0;
  std::string path_;
  std::string tmp_path_;
  int pending_slot_ = -1;  // util/pending_files.h
};

// Convenience: the whole contents at once.
Status WriteFileAtomically(const std::string& path, const void* data, size_t size);

}  // namespace litertlm

#endif  // LITERTLM_UTIL_ATOMIC_FILE_H_
