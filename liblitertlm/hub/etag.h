// The Hub's ETags: which digest, if any, an ETag (or X-Linked-Etag) names.
#ifndef LITERTLM_HUB_ETAG_H_
#define LITERTLM_HUB_ETAG_H_

#include <string>

namespace litertlm::hub {

// What an ETag says about the content it names.
enum class EtagKind { kSha256, kGitBlobSha1, kOpaque };
// Strips "W/" and quotes, lower-cases. 64 hex → kSha256 (an LFS oid), 40 hex → kGitBlobSha1.
std::string NormalizeEtag(const std::string& etag);
EtagKind ClassifyEtag(const std::string& normalized_etag);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_ETAG_H_
