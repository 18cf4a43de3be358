// One HTTP request at a time over libcurl (the only file that includes <curl/curl.h>).
// Redirects are never followed here: the Hub client decides what to do with a Location, so that
// the Authorization header can be dropped when the download host differs (signed CDN URLs).
// Thread-safety: an HttpClient may be used by one thread at a time; separate instances are
// independent.
#ifndef LITERTLM_HUB_HTTP_H_
#define LITERTLM_HUB_HTTP_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "litertlm/status.h"

namespace litertlm::hub {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines
  bool head = false;                 // HEAD instead of GET
  long connect_timeout_s = 10;
  long total_timeout_s = 0;          // 0 = none (downloads); used for HEAD and API calls
  long stall_timeout_s = 30;         // abort when no byte arrives for this long
};

struct HttpResponse {
  long status = 0;
  // Headers of the response (the last one when curl saw 1xx first); names lower-cased.
  std::map<std::string, std::string> headers;
  // The body when no sink took it (API calls and error responses; capped at 4 MiB).
  std::string body;
  // Empty unless the transfer broke off after it started (partial body, reset connection...).
  std::string transfer_error;

  // "" when absent.
  std::string Header(const std::string& lower_name) const;
};

// Receives the body of a 2xx response with its status (200, 206...); returning false aborts
// the transfer.
using BodySink = std::function<bool(long status, const char* data, size_t size)>;

class HttpClient {
 public:
  // Performs `request`. A connection-level failure (DNS, refused, TLS, timeout before any
  // response) is UNAVAILABLE with a one-line message naming the host. Any HTTP status is
  // returned in the response (the caller maps it). A failure after the response started
  // (connection cut, sink refused) is reported in response.transfer_error.
  StatusOr<HttpResponse> Perform(const HttpRequest& request, const BodySink& sink = nullptr);
};

// "scheme://host[:port]" of `url` (lower-cased host); "" when the URL cannot be parsed.
std::string UrlOrigin(const std::string& url);
// Resolves a (possibly relative) Location header against the URL that returned it.
std::string ResolveLocation(const std::string& base_url, const std::string& location);
// Percent-encodes `s`, keeping unreserved characters and, when keep_slash, '/'.
std::string PercentEncode(const std::string& s, bool keep_slash);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_HTTP_H_
