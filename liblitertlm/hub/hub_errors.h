// Turns a Hub HTTP error answer into a Status whose message tells the user what to do (set
// HF_TOKEN, accept the licence, check the name). Never includes the token itself.
#ifndef LITERTLM_HUB_HUB_ERRORS_H_
#define LITERTLM_HUB_HUB_ERRORS_H_

#include <string>

#include "hub/http.h"
#include "litertlm/status.h"

namespace litertlm::hub {

struct HubRequestContext {
  std::string endpoint;      // e.g. https://huggingface.co
  std::string repo;          // org/name
  std::string file;          // "" for repository-level calls (listing)
  std::string revision;      // as the user asked for it
  bool has_token = false;
  std::string token_source;  // printable; "" when no token
};

// Maps a non-2xx/3xx response (reads X-Error-Code / X-Error-Message first, status second).
// 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED, 404 → NOT_FOUND, 429/5xx → UNAVAILABLE.
Status HubHttpError(const HubRequestContext& ctx, const HttpResponse& response);

// The message shown when a gated repository refuses a logged-in user (403): the four steps.
std::string GatedLicenseSteps(const std::string& endpoint, const std::string& repo);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_HUB_ERRORS_H_
