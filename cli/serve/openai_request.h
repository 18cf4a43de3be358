// Parsing and validation of OpenAI request bodies (POST /v1/chat/completions and
// /v1/completions) with RapidJSON. Every rejected field gives a 400 ApiError naming it in
// `param`. Unknown fields are ignored, as OpenAI-compatible servers do; known fields this server
// cannot honour (n > 1, logprobs, echo, suffix, tools) are refused rather than silently dropped.
#ifndef LITERTLM_CLI_SERVE_OPENAI_REQUEST_H_
#define LITERTLM_CLI_SERVE_OPENAI_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/chat.h"
#include "serve/api_error.h"

namespace litertlm::cli::serve {

struct RequestLimits {
  int max_tokens = 1024;        // most tokens one request may ask for (and the default)
  size_t max_stop_strings = 4;  // as OpenAI
  size_t max_messages = 1024;
};

// The fields both endpoints share.
struct SamplingRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::optional<float> temperature;
  std::optional<float> top_p;
  std::optional<int> top_k;    // not OpenAI's; llama.cpp and vLLM accept it
  int max_tokens = 0;          // validated; the limit's default when absent
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
};

struct ChatRequest : SamplingRequest {
  std::vector<Message> messages;
  std::optional<bool> enable_thinking;  // `enable_thinking` or chat_template_kwargs.enable_thinking
};

struct CompletionRequest : SamplingRequest {
  std::string prompt;
};

// Fill `out` from `body`; nullopt on success.
std::optional<ApiError> ParseChatRequest(std::string_view body, const RequestLimits& limits,
                                         ChatRequest* out);
std::optional<ApiError> ParseCompletionRequest(std::string_view body, const RequestLimits& limits,
                                               CompletionRequest* out);

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_OPENAI_REQUEST_H_
