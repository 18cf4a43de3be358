#include "util/digest.h"

#include <openssl/evp.h>

namespace litertlm {

struct Digest::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() {
    if (md != nullptr) EVP_MD_CTX_free(md);
  }
};

Digest::Digest(std::unique_ptr<Ctx> ctx) : ctx_(std::move(ctx)) {}
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;
Digest::~Digest() = default;

StatusOr<Digest> Digest::Create(Kind kind) {
  auto ctx = std::make_unique<Ctx>();
  ctx->md = EVP_MD_CTX_new();
  const EVP_MD* md = kind == Kind::kSha256 ? EVP_sha256() : EVP_sha1();
  if (ctx->md == nullptr || EVP_DigestInit_ex(ctx->md, md, nullptr) != 1)
    return InternalError("OpenSSL: cannot initialise a message digest");
  return Digest(std::move(ctx));
}

void Digest::Update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_->md, data, size);
}

std::string Digest::FinishHex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, out, &len);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 15];
  }
  return hex;
}

}  // namespace litertlm
