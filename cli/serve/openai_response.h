// JSON bodies of OpenAI responses and server-sent events (RapidJSON writer): chat completions
// and their chunks, text completions and their chunks, the model list, errors.
#ifndef LITERTLM_CLI_SERVE_OPENAI_RESPONSE_H_
#define LITERTLM_CLI_SERVE_OPENAI_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serve/api_error.h"

namespace litertlm::cli::serve {

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

// What every response of one request shares.
struct ResponseHeader {
  std::string id;       // "chatcmpl-…" / "cmpl-…"
  int64_t created = 0;  // Unix seconds
  std::string model;
};

enum class Endpoint { kChat, kCompletion };

// The whole (non-streamed) response.
std::string CompletionBody(Endpoint endpoint, const ResponseHeader& header, std::string_view text,
                           std::string_view finish_reason, const Usage& usage);

// One streamed chunk: `text` as the delta (chat: the first chunk also carries the role), and
// `finish_reason` in the last one. `usage` gives the usage-only final chunk of
// stream_options.include_usage (empty choices).
std::string ChunkBody(Endpoint endpoint, const ResponseHeader& header, std::string_view text,
                      bool first, std::optional<std::string_view> finish_reason);
std::string UsageChunkBody(Endpoint endpoint, const ResponseHeader& header, const Usage& usage);

std::string ModelsBody(std::string_view model_id, int64_t created);
std::string ErrorBody(const ApiError& error);

// "data: <json>\n\n"; SseDone() is "data: [DONE]\n\n".
std::string SseEvent(std::string_view json);
std::string SseDone();

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_OPENAI_RESPONSE_H_
