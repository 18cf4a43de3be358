// From a parsed OpenAI request to a JobSpec on one Engine: the model's sampler defaults with the
// request's fields applied, a fresh random seed when none is given, stop strings, the prompt
// rendered with the chat template and tokenized (to pick a session and to refuse a prompt that
// does not fit the context with a 400 before it is queued).
#ifndef LITERTLM_CLI_SERVE_JOB_BUILDER_H_
#define LITERTLM_CLI_SERVE_JOB_BUILDER_H_

#include <memory>
#include <variant>

#include "litertlm/engine.h"
#include "serve/api_error.h"
#include "serve/job.h"
#include "serve/openai_request.h"

namespace litertlm::cli::serve {

// `max_context`: the tokens one session holds (prompt + answer).
std::variant<JobSpec, ApiError> BuildChatJob(const Engine& engine, int max_context,
                                             const ChatRequest& request);
std::variant<JobSpec, ApiError> BuildCompletionJob(const Engine& engine, int max_context,
                                                   const CompletionRequest& request);

// "stop" for a stop token or stop string, "length" for max_tokens, the context limit or the
// request's deadline.
std::string_view OpenAiFinishReason(FinishReason reason, bool timed_out);

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_JOB_BUILDER_H_
