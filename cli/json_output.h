// JSON for `run --json`: one object per answer, on one line, built by hand from std types (the
// CLI uses only the public headers, which carry no JSON library).
#ifndef LITERTLM_CLI_JSON_OUTPUT_H_
#define LITERTLM_CLI_JSON_OUTPUT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "litertlm/session.h"

namespace litertlm::cli {

// `text` as a JSON string literal, quotes included. Invalid UTF-8 bytes become U+FFFD so the
// output is always valid JSON.
std::string JsonString(std::string_view text);

// {"text": ..., "finish_reason": "stop", "prompt_tokens": N, "reused_tokens": N,
//  "generated_tokens": N, "context_tokens": N, "stats": {"load_seconds": x, "prefill_seconds": x,
//  "time_to_first_token_seconds": x, "decode_seconds": x, "prefill_tokens_per_second": x,
//  "decode_tokens_per_second": x, "peak_memory_bytes": N}} — no trailing newline.
std::string AnswerJson(const GenerateResult& result, double load_seconds, uint64_t peak_memory_bytes);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_JSON_OUTPUT_H_
