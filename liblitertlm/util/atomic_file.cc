#include "util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "util/pending_files.h"

namespace litertlm {
namespace {
Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return ResourceExhaustedError(msg);
  if (err == ENOENT) return NotFoundError(msg);
  if (err == EACCES || err == EPERM || err == EROFS) return PermissionDeniedError(msg);
  return UnknownError(msg);
}
}  // namespace

StatusOr<AtomicFileWriter> AtomicFileWriter::Create(const std::string& path) {
  AtomicFileWriter w;
  w.path_ = path;
  w.tmp_path_ = path + ".tmp." + std::to_string(::getpid());
  SweepStaleTempFiles(path);
  w.pending_slot_ = RegisterPendingFile(w.tmp_path_);
  w.fd_ = ::open(w.tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w.fd_ < 0) {
    const int err = errno;
    UnregisterPendingFile(std::exchange(w.pending_slot_, -1));
    return ErrnoStatus(w.tmp_path_, err);
  }
  return w;
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      offset_(other.offset_),
      path_(std::move(other.path_)),
      tmp_path_(std::move(other.tmp_path_)),
      pending_slot_(std::exchange(other.pending_slot_, -1)) {}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
  }
  UnregisterPendingFile(pending_slot_);
}

Status AtomicFileWriter::Write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path_, errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
    offset_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status AtomicFileWriter::PadTo(size_t alignment) {
  size_t rem = static_cast<size_t>(offset_ % alignment);
  if (rem == 0) return Status::Ok();
  std::vector<char> zeros(alignment - rem, 0);
  return Write(zeros.data(), zeros.size());
}

Status AtomicFileWriter::WriteAt(uint64_t offset, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path_, errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  if (::fsync(fd_) != 0) return ErrnoStatus(path_, errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    ::unlink(tmp_path_.c_str());
    return ErrnoStatus(path_, errno);
  }
  fd_ = -1;
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_path_.c_str());
    return ErrnoStatus(path_, err);
  }
  UnregisterPendingFile(std::exchange(pending_slot_, -1));
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, const void* data, size_t size) {
  auto w = AtomicFileWriter::Create(path);
  if (!w.ok()) return w.status();
  Status s = w->Write(data, size);
  if (!s.ok()) return s;
  return w->Commit();
}

}  // namespace litertlm
