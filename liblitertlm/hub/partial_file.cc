#include "hub/partial_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "util/status_macros.h"

namespace litertlm::hub {
namespace {

namespace fs = std::filesystem;

bool IsDiskFull(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

void FsyncDir(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

PartialFile::PartialFile(PartialFile&& o) noexcept
    : fd_(o.fd_),
      size_(o.size_),
      expected_size_(o.expected_size_),
      etag_(std::move(o.etag_)),
      etag_kind_(o.etag_kind_),
      digest_(std::move(o.digest_)),
      dest_path_(std::move(o.dest_path_)),
      partial_path_(std::move(o.partial_path_)),
      label_(std::move(o.label_)) {
  o.fd_ = -1;
}

PartialFile::~PartialFile() { Keep(); }

StatusOr<PartialFile> PartialFile::Open(const std::string& dest_path, const std::string& etag,
                                        std::optional<uint64_t> expected_size,
                                        const std::string& label) {
  PartialFile f;
  f.dest_path_ = dest_path;
  f.partial_path_ = dest_path + ".incomplete";
  f.expected_size_ = expected_size;
  f.etag_ = etag;
  f.etag_kind_ = ClassifyEtag(etag);
  f.label_ = label;
  if (f.etag_kind_ == EtagKind::kGitBlobSha1 && !expected_size) f.etag_kind_ = EtagKind::kOpaque;
  std::error_code ec;
  fs::create_directories(fs::path(dest_path).parent_path(), ec);
  if (ec)
    return f.DiskError("create the directory for", ec.value());
  f.fd_ = ::open(f.partial_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return f.DiskError("open", errno);
  if (::flock(f.fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(f.fd_);
    f.fd_ = -1;
    return UnavailableError("another download of " + label + " is in progress (" +
                            f.partial_path_ + " is locked); wait for it to finish");
  }
  struct stat st;
  if (::fstat(f.fd_, &st) != 0) return f.DiskError("stat", errno);
  f.size_ = static_cast<uint64_t>(st.st_size);
  if (expected_size && f.size_ > *expected_size) RETURN_IF_ERROR(f.Restart());
  RETURN_IF_ERROR(f.HashExisting());
  if (::lseek(f.fd_, 0, SEEK_END) < 0) return f.DiskError("seek", errno);
  return f;
}

Status PartialFile::ResetDigest() {
  digest_.reset();
  if (etag_kind_ == EtagKind::kOpaque) return Status::Ok();
  auto d = Digest::Create(etag_kind_ == EtagKind::kSha256 ? Digest::Kind::kSha256
                                                          : Digest::Kind::kSha1);
  if (!d.ok()) return d.status();
  digest_.emplace(std::move(*d));
  if (etag_kind_ == EtagKind::kGitBlobSha1) {
    std::string prefix = "blob " + std::to_string(*expected_size_);
    digest_->Update(prefix.data(), prefix.size() + 1);  // includes the '\0'
  }
  return Status::Ok();
}

Status PartialFile::HashExisting() {
  RETURN_IF_ERROR(ResetDigest());
  if (!digest_ || size_ == 0) return Status::Ok();
  std::vector<char> buf(1 << 20);
  uint64_t done = 0;
  if (::lseek(fd_, 0, SEEK_SET) < 0) return DiskError("seek", errno);
  while (done < size_) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return DiskError("read", errno);
    if (n == 0) break;
    digest_->Update(buf.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status PartialFile::Restart() {
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0)
    return DiskError("truncate", errno);
  size_ = 0;
  return ResetDigest();
}

Status PartialFile::Append(const char* data, size_t size) {
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::write(fd_, data + off, size - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return DiskError("write", errno);
    off += static_cast<size_t>(n);
  }
  if (digest_) digest_->Update(data, size);
  size_ += size;
  return Status::Ok();
}

Status PartialFile::Commit() {
  if (expected_size_ && size_ != *expected_size_) {
    std::string msg = "size mismatch for " + label_ + ": expected " +
                      std::to_string(*expected_size_) + " bytes, got " + std::to_string(size_) +
                      "; the broken download was deleted, run the command again";
    Discard();
    return DataLossError(msg);
  }
  if (digest_) {
    std::string got = digest_->FinishHex();
    digest_.reset();
    if (got != etag_) {
      const char* algo = etag_kind_ == EtagKind::kSha256 ? "sha256" : "git blob sha1";
      std::string msg = "checksum mismatch for " + label_ + ": expected " + algo + " " + etag_ +
                        ", got " + got +
                        "; the corrupt download was deleted, run the command again";
      Discard();
      return DataLossError(msg);
    }
  }
  if (::fsync(fd_) != 0) {
    int err = errno;
    return DiskError("fsync", err);
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(partial_path_.c_str(), dest_path_.c_str()) != 0) {
    int err = errno;
    Discard();
    return DiskError("rename", err);
  }
  FsyncDir(dest_path_);
  return Status::Ok();
}

void PartialFile::Discard() {
  Keep();
  ::unlink(partial_path_.c_str());
}

void PartialFile::Keep() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status PartialFile::DiskError(const char* op, int err) {
  if (IsDiskFull(err)) {
    Discard();
    return ResourceExhaustedError("disk full: cannot write " + dest_path_ + " (" +
                                  std::strerror(err) +
                                  "); the partial download was deleted. Free some space and "
                                  "try again");
  }
  return UnknownError(std::string("cannot ") + op + " " + partial_path_ + ": " +
                      std::strerror(err));
}

}  // namespace litertlm::hub
