// An OpenAI-style API error: the HTTP status and the body's `error` object
// ({"message", "type", "param", "code"}).
#ifndef LITERTLM_CLI_SERVE_API_ERROR_H_
#define LITERTLM_CLI_SERVE_API_ERROR_H_

#include <string>

namespace litertlm::cli::serve {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty: null
  std::string code;   // empty: null
};

inline ApiError BadRequest(std::string message, std::string param = {}) {
  return {400, std::move(message), "invalid_request_error", std::move(param), {}};
}

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_API_ERROR_H_
