#include "util/scratch_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace litertlm {
namespace {

std::string Errno() { return std::strerror(errno); }

}  // namespace

StatusOr<ScratchFile> ScratchFile::Create(const std::string& dir) {
  const std::string where = dir.empty() ? std::string(".") : dir;
  int fd = ::open(where.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // No O_TMPFILE on this file system: a named file, unlinked before anything is written to it.
    std::string name = where + "/.litertlm-scratch-XXXXXX";
    std::vector<char> buf(name.begin(), name.end());
    buf.push_back('\0');
    fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(buf.data());
  }
  if (fd < 0) return InternalError(where + ": cannot create a temporary file: " + Errno());
  ScratchFile f;
  f.fd_ = fd;
  f.dir_ = where;
  return f;
}

ScratchFile::ScratchFile(ScratchFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(std::exchange(other.size_, 0)), dir_(std::move(other.dir_)) {}

ScratchFile& ScratchFile::operator=(ScratchFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    dir_ = std::move(other.dir_);
  }
  return *this;
}

ScratchFile::~ScratchFile() {
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<uint64_t> ScratchFile::Append(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return FailedPreconditionError("scratch file is not open");
  const uint64_t start = size_;
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(start + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ResourceExhaustedError(dir_ + ": writing a temporary file failed: " + Errno());
    done += static_cast<size_t>(n);
  }
  size_ += bytes.size();
  return start;
}

Status ScratchFile::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  if (fd_ < 0) return FailedPreconditionError("scratch file is not open");
  if (offset + out.size() > size_) return OutOfRangeError(dir_ + ": read past the end of a temporary file");
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return InternalError(dir_ + ": reading a temporary file failed: " + Errno());
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace litertlm
