#include "hub/etag.h"

#include <cctype>

namespace litertlm::hub {

std::string NormalizeEtag(const std::string& etag) {
  std::string e = etag;
  if (e.rfind("W/", 0) == 0) e = e.substr(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

EtagKind ClassifyEtag(const std::string& e) {
  for (char c : e) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return EtagKind::kOpaque;
  }
  if (e.size() == 64) return EtagKind::kSha256;
  if (e.size() == 40) return EtagKind::kGitBlobSha1;
  return EtagKind::kOpaque;
}

}  // namespace litertlm::hub
