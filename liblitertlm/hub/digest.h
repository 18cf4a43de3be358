// Incremental SHA-256 and SHA-1 on OpenSSL EVP, used to check downloads against the Hub's ETag.
#ifndef LITERTLM_HUB_DIGEST_H_
#define LITERTLM_HUB_DIGEST_H_

#include <cstddef>
#include <memory>
#include <string>

#include "litertlm/status.h"

namespace litertlm::hub {

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

// What an ETag says about the content it names.
enum class EtagKind { kSha256, kGitBlobSha1, kOpaque };
// Strips "W/" and quotes, lower-cases. 64 hex → kSha256 (an LFS oid), 40 hex → kGitBlobSha1.
std::string NormalizeEtag(const std::string& etag);
EtagKind ClassifyEtag(const std::string& normalized_etag);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_DIGEST_H_
