// Incremental SHA-256 and SHA-1 on OpenSSL EVP: the Hub's download checks (hub/partial_file.h),
// the .litertlm checksum (format/litertlm_checksum.h) and the converter's source identity.
#ifndef LITERTLM_UTIL_DIGEST_H_
#define LITERTLM_UTIL_DIGEST_H_

#include <cstddef>
#include <memory>
#include <string>

#include "litertlm/status.h"

namespace litertlm {

class Digest {
 public:
  enum class Kind { kSha256, kSha1 };
  static StatusOr<Digest> Create(Kind kind);
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  ~Digest();

  void Update(const void* data, size_t size);
  // Lower-case hex digest; the object cannot be updated afterwards.
  std::string FinishHex();

 private:
  struct Ctx;
  explicit Digest(std::unique_ptr<Ctx> ctx);
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace litertlm

#endif  // LITERTLM_UTIL_DIGEST_H_
