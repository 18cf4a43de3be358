#include "serve/job_builder.h"

#include <random>

#include "litertlm/sampler.h"

namespace litertlm::cli::serve {
namespace {

std::optional<ApiError> ApplySampling(const Engine& engine, const SamplingRequest& request,
                                      GenerateOptions* options) {
  SamplerOptions sampler = engine.defaults().sampler;
  if (request.temperature) sampler.temperature = *request.temperature;
  if (request.top_p) sampler.top_p = *request.top_p;
  if (request.top_k) sampler.top_k = *request.top_k;
  if (request.seed) {
    sampler.seed = *request.seed;
  } else {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    sampler.seed = random();
  }
  if (auto check = Sampler::Create(sampler); !check.ok()) return BadRequest(check.status().message());
  options->sampler = sampler;
  options->max_tokens = request.max_tokens;
  options->stop_strings = request.stop;
  return std::nullopt;
}

std::optional<ApiError> CheckFits(size_t prompt_tokens, int max_context) {
  if (static_cast<int64_t>(prompt_tokens) < max_context) return std::nullopt;
  ApiError e = BadRequest("the prompt has " + std::to_string(prompt_tokens) +
                              " tokens; this server's context holds at most " +
                              std::to_string(max_context) + " (prompt and answer)",
                          "messages");
  e.code = "context_length_exceeded";
  return e;
}

// As Session does: the tokenized text, with the model's start token in front when missing.
StatusOr<std::vector<TokenId>> Tokenize(const Engine& engine, const std::string& text) {
  auto ids = engine.tokenizer().Encode(text, false);
  if (!ids.ok()) return ids.status();
  const auto& start = engine.defaults().start_token_id;
  if (start && (ids->empty() || ids->front() != *start)) ids->insert(ids->begin(), *start);
  return ids;
}

}  // namespace

std::variant<JobSpec, ApiError> BuildChatJob(const Engine& engine, int max_context,
                                             const ChatRequest& request) {
  JobSpec spec;
  spec.chat = true;
  if (auto e = ApplySampling(engine, request, &spec.options)) return *e;
  spec.options.enable_thinking = request.enable_thinking;
  spec.messages = request.messages;
  ChatTemplateOptions template_options;
  template_options.enable_thinking = request.enable_thinking;
  auto rendered = engine.chat_template().Render(spec.messages, template_options);
  if (!rendered.ok()) return BadRequest(rendered.status().message(), "messages");
  auto tokens = Tokenize(engine, *rendered);
  if (!tokens.ok()) return BadRequest(tokens.status().message(), "messages");
  if (auto e = CheckFits(tokens->size(), max_context)) return *e;
  spec.prompt_tokens = std::move(*tokens);
  return spec;
}

std::variant<JobSpec, ApiError> BuildCompletionJob(const Engine& engine, int max_context,
                                                   const CompletionRequest& request) {
  JobSpec spec;
  spec.chat = false;
  if (auto e = ApplySampling(engine, request, &spec.options)) return *e;
  spec.prompt = request.prompt;
  auto tokens = Tokenize(engine, request.prompt);
  if (!tokens.ok()) return BadRequest(tokens.status().message(), "prompt");
  if (auto e = CheckFits(tokens->size(), max_context)) {
    e->param = "prompt";
    return *e;
  }
  spec.prompt_tokens = std::move(*tokens);
  return spec;
}

std::string_view OpenAiFinishReason(FinishReason reason, bool timed_out) {
  switch (reason) {
    case FinishReason::kStopToken:
    case FinishReason::kStopString: return "stop";
    case FinishReason::kCancelled: return timed_out ? "length" : "stop";
    case FinishReason::kMaxTokens:
    case FinishReason::kContextFull: return "length";
  }
  return "stop";
}

}  // namespace litertlm::cli::serve
