#include "session/generator.h"

#include <algorithm>
#include <climits>
#include <string>

#include "sampling/sampler_impl.h"
#include "session/decode_batcher.h"
#include "session/stop_string_matcher.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Tokens of `held` that `tokens` starts with, at most tokens.size() - 1: the last token is always
// run again, to get the logits after it.
size_t ReusablePrefix(std::span<const TokenId> held, const std::vector<TokenId>& tokens) {
  size_t common = std::mismatch(held.begin(), held.end(), tokens.begin(), tokens.end()).first - held.begin();
  if (common == tokens.size()) --common;
  return common;
}

}  // namespace

Generator::Generator(const Model::Impl& model, const GeneratorOptions& options)
    : state_(model, options.max_tokens, options.num_threads, options.kv_dtype), batcher_(options.batcher) {}

Generator::Generator(const Generator& other)
    : state_(other.state_), batcher_(other.batcher_), unappended_(other.unappended_) {}

Status Generator::Prefill(std::span<const TokenId> tokens, std::vector<float>* all_logits) {
  BeginCall();
  unappended_.reset();
  return state_.Append(tokens, all_logits, &cancel_);
}

StatusOr<int> Generator::Refill(const std::vector<TokenId>& tokens) {
  const size_t common = ReusablePrefix(state_.tokens(), tokens);
  state_.Truncate(static_cast<int>(common));
  RETURN_IF_ERROR(state_.Append(std::span(tokens).subspan(common), nullptr, &cancel_));
  return static_cast<int>(common);
}

void Generator::Reset() {
  state_.Truncate(0);
  unappended_.reset();
}

std::optional<TokenId> Generator::TakeUnappended() {
  std::optional<TokenId> token = unappended_;
  unappended_.reset();
  return token;
}

StatusOr<GenerateResult> Generator::Run(const std::vector<TokenId>& prompt, const GenerateOptions& options,
                                        const Tokenizer& tokenizer, const ModelDefaults& defaults,
                                        const StreamCallback& on_text, const MakeRoomFn& make_room) {
  const Clock::time_point start = Clock::now();
  if (prompt.empty()) return InvalidArgumentError("the prompt is empty");
  if (options.max_tokens < 0) return InvalidArgumentError("GenerateOptions.max_tokens must be >= 0");
  if (static_cast<int>(prompt.size()) >= state_.max_tokens()) {
    return OutOfRangeError("the prompt has " + std::to_string(prompt.size()) +
                           " tokens; the context holds at most " + std::to_string(state_.max_tokens()));
  }
  GenerateResult result;
  result.stats.prompt_tokens = static_cast<int>(prompt.size());
  const size_t common = ReusablePrefix(state_.tokens(), prompt);
  result.stats.reused_tokens = static_cast<int>(common);
  Status s = Refill(prompt).status();
  result.stats.prefill_seconds = Seconds(start, Clock::now());
  const double prefilled = static_cast<double>(prompt.size() - common);
  if (result.stats.prefill_seconds > 0) result.stats.prefill_tokens_per_second = prefilled / result.stats.prefill_seconds;
  if (s.code() == StatusCode::kCancelled) {
    result.finish_reason = FinishReason::kCancelled;
  } else {
    RETURN_IF_ERROR(s);
    RETURN_IF_ERROR(Decode(options, tokenizer, defaults, on_text, start, make_room, &result));
  }
  result.stats.context_tokens = state_.num_tokens();
  return result;
}

Status Generator::Decode(const GenerateOptions& options, const Tokenizer& tokenizer,
                         const ModelDefaults& defaults, const StreamCallback& on_text,
                         Clock::time_point start, const MakeRoomFn& make_room, GenerateResult* result) {
  const SamplerOptions sampler_options = options.sampler.value_or(defaults.sampler);
  RETURN_IF_ERROR(ValidateSamplerOptions(sampler_options));
  SamplerImpl sampler(sampler_options);
  StreamDecoder decoder(tokenizer);
  StopStringMatcher matcher(options.stop_strings);
  const int max_tokens = options.max_tokens > 0   ? options.max_tokens
                         : defaults.max_tokens > 0 ? defaults.max_tokens
                                                   : INT_MAX;
  const auto& stops = defaults.stop_token_ids;
  GenerationStats& stats = result->stats;
  bool callback_ok = true;
  auto emit = [&](const std::string& text) {
    result->text += text;
    if (callback_ok && !text.empty() && on_text) callback_ok = on_text(text);
  };
  Clock::time_point first_token = start;
  bool stopped_by_string = false;
  std::vector<TokenId> generated;
  unappended_.reset();
  DecodeBatcher::Impl* batcher = batcher_ != nullptr ? &ImplOf(*batcher_) : nullptr;
  BatchMembership membership(batcher);
  for (;;) {
    if (cancel_.load(std::memory_order_relaxed) || !callback_ok) {
      result->finish_reason = FinishReason::kCancelled;
      break;
    }
    const TokenId token = sampler.Sample(state_.last_logits());
    if (stats.generated_tokens == 0) {
      first_token = Clock::now();
      stats.time_to_first_token_seconds = Seconds(start, first_token);
    }
    if (std::find(stops.begin(), stops.end(), token) != stops.end()) {
      result->finish_reason = FinishReason::kStopToken;
      break;
    }
    ++stats.generated_tokens;
    if (make_room) generated.push_back(token);
    ASSIGN_OR_RETURN(std::string piece, decoder.Push(token));
    emit(matcher.Push(piece, &stopped_by_string));
    if (stopped_by_string) {
      result->finish_reason = FinishReason::kStopString;
      break;
    }
    if (stats.generated_tokens >= max_tokens) {
      result->finish_reason = FinishReason::kMaxTokens;
      unappended_ = token;
      break;
    }
    if (state_.num_tokens() >= state_.max_tokens()) {
      bool made_room = false;
      if (make_room) {
        ASSIGN_OR_RETURN(made_room, make_room(generated, &stats));
      }
      if (made_room) continue;  // the context now ends with `token`
      result->finish_reason = FinishReason::kContextFull;
      break;
    }
    RETURN_IF_ERROR(batcher != nullptr ? batcher->Decode(state_, token)
                                       : state_.Append(std::span(&token, 1), nullptr));
  }
  if (!stopped_by_string) {
    emit(matcher.Push(decoder.Flush(), &stopped_by_string));
    if (stopped_by_string) {
      result->finish_reason = FinishReason::kStopString;
    } else {
      emit(matcher.Flush());
    }
  }
  stats.decode_seconds = Seconds(first_token, Clock::now());
  if (stats.generated_tokens > 1 && stats.decode_seconds > 0)
    stats.decode_tokens_per_second = (stats.generated_tokens - 1) / stats.decode_seconds;
  return Status::Ok();
}

}  // namespace litertlm
