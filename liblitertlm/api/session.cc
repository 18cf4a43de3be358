#include "litertlm/session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <numeric>

#include "api/engine_impl.h"
#include "api/model_impl.h"
#include "session/context_state.h"
#include "session/decode_batcher.h"
#include "session/stop_string_matcher.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

KvDType ToKvDType(KvCacheDType t) {
  switch (t) {
    case KvCacheDType::kFloat16: return KvDType::kF16;
    case KvCacheDType::kInt8: return KvDType::kQ8;
    default: return KvDType::kF32;
  }
}

}  // namespace

std::string_view KvCacheDTypeName(KvCacheDType dtype) {
  switch (dtype) {
    case KvCacheDType::kFloat32: return "f32";
    case KvCacheDType::kFloat16: return "f16";
    case KvCacheDType::kInt8: return "int8";
  }
  return "unknown";
}

StatusOr<KvCacheDType> KvCacheDTypeFromName(std::string_view name) {
  for (KvCacheDType t : {KvCacheDType::kFloat32, KvCacheDType::kFloat16, KvCacheDType::kInt8}) {
    if (name == KvCacheDTypeName(t)) return t;
  }
  return InvalidArgumentError("unknown KV cache dtype '" + std::string(name) +
                              "' (expected f32, f16 or int8)");
}

std::string_view FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStopToken: return "stop";
    case FinishReason::kMaxTokens: return "length";
    case FinishReason::kStopString: return "stop_string";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kContextFull: return "context_full";
  }
  return "unknown";
}

class Session::Impl {
 public:
  Impl(std::shared_ptr<const Engine> engine, std::shared_ptr<const Model> model, int max_context,
       const SessionOptions& options)
      : engine_(std::move(engine)),
        model_(std::move(model)),
        state_(model_->impl(), max_context,
               options.num_threads > 0 ? options.num_threads : model_->impl().options.num_threads,
               ToKvDType(options.kv_cache_dtype)),
        batcher_(options.decode_batcher) {}
  Impl(const Impl& other)
      : engine_(other.engine_),
        model_(other.model_),
        state_(other.state_),
        history_(other.history_),
        batcher_(other.batcher_) {}

  StatusOr<GenerateResult> Generate(const GenerateOptions& options, const StreamCallback& on_text);
  StatusOr<GenerateResult> Complete(std::string_view text, const GenerateOptions& options,
                                    const StreamCallback& on_text);
  Status RemoveLastReply();

  std::shared_ptr<const Engine> engine_;
  std::shared_ptr<const Model> model_;
  ContextState state_;
  std::vector<Message> history_;
  std::shared_ptr<DecodeBatcher> batcher_;  // null: decode alone
  std::atomic<bool> cancel_{false};

 private:
  Status RequireEngine() const {
    if (engine_ == nullptr)
      return FailedPreconditionError("this session was created from a bare Model: chat needs an Engine");
    return Status::Ok();
  }
  // Makes the context equal to `prompt` (reusing the longest common prefix), then samples the
  // continuation.
  StatusOr<GenerateResult> Run(const std::vector<TokenId>& prompt, const GenerateOptions& options,
                               const StreamCallback& on_text);
  Status Decode(const GenerateOptions& options, const StreamCallback& on_text, Clock::time_point start,
                GenerateResult* result);
};

StatusOr<GenerateResult> Session::Impl::Run(const std::vector<TokenId>& prompt,
                                            const GenerateOptions& options,
                                            const StreamCallback& on_text) {
  const Clock::time_point start = Clock::now();
  if (prompt.empty()) return InvalidArgumentError("the prompt is empty");
  if (options.max_tokens < 0) return InvalidArgumentError("GenerateOptions.max_tokens must be >= 0");
  if (static_cast<int>(prompt.size()) >= state_.max_tokens()) {
    return OutOfRangeError("the prompt has " + std::to_string(prompt.size()) +
                           " tokens; the context holds at most " + std::to_string(state_.max_tokens()));
  }
  const auto held = state_.tokens();
  size_t common = std::mismatch(held.begin(), held.end(), prompt.begin(), prompt.end()).first - held.begin();
  if (common == prompt.size()) --common;  // recompute the last token to get its logits
  state_.Truncate(static_cast<int>(common));
  GenerateResult result;
  result.stats.prompt_tokens = static_cast<int>(prompt.size());
  result.stats.reused_tokens = static_cast<int>(common);
  Status s = state_.Append(std::span(prompt).subspan(common), nullptr, &cancel_);
  result.stats.prefill_seconds = Seconds(start, Clock::now());
  const double prefilled = static_cast<double>(prompt.size() - common);
  if (result.stats.prefill_seconds > 0) result.stats.prefill_tokens_per_second = prefilled / result.stats.prefill_seconds;
  if (s.code() == StatusCode::kCancelled) {
    result.finish_reason = FinishReason::kCancelled;
  } else {
    RETURN_IF_ERROR(s);
    RETURN_IF_ERROR(Decode(options, on_text, start, &result));
  }
  result.stats.context_tokens = state_.num_tokens();
  return result;
}

Status Session::Impl::Decode(const GenerateOptions& options, const StreamCallback& on_text,
                             Clock::time_point start, GenerateResult* result) {
  const ModelDefaults& defaults = engine_->defaults();
  ASSIGN_OR_RETURN(auto sampler, Sampler::Create(options.sampler.value_or(defaults.sampler)));
  StreamDecoder decoder(engine_->tokenizer());
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
  DecodeBatcher::Impl* batcher = batcher_ != nullptr ? &batcher_->impl() : nullptr;
  BatchMembership membership(batcher);
  for (;;) {
    if (cancel_.load(std::memory_order_relaxed) || !callback_ok) {
      result->finish_reason = FinishReason::kCancelled;
      break;
    }
    const TokenId token = sampler->Sample(state_.last_logits());
    if (stats.generated_tokens == 0) {
      first_token = Clock::now();
      stats.time_to_first_token_seconds = Seconds(start, first_token);
    }
    if (std::find(stops.begin(), stops.end(), token) != stops.end()) {
      result->finish_reason = FinishReason::kStopToken;
      break;
    }
    ++stats.generated_tokens;
    ASSIGN_OR_RETURN(std::string piece, decoder.Push(token));
    emit(matcher.Push(piece, &stopped_by_string));
    if (stopped_by_string) {
      result->finish_reason = FinishReason::kStopString;
      break;
    }
    if (stats.generated_tokens >= max_tokens) {
      result->finish_reason = FinishReason::kMaxTokens;
      break;
    }
    if (state_.num_tokens() >= state_.max_tokens()) {
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

StatusOr<GenerateResult> Session::Impl::Generate(const GenerateOptions& options,
                                                 const StreamCallback& on_text) {
  RETURN_IF_ERROR(RequireEngine());
  cancel_.store(false);
  if (history_.empty() || history_.back().role == Role::kAssistant)
    return FailedPreconditionError("Generate: add a user message first");
  ChatTemplateOptions template_options;
  template_options.enable_thinking = options.enable_thinking;
  ASSIGN_OR_RETURN(std::string rendered, engine_->chat_template().Render(history_, template_options));
  ASSIGN_OR_RETURN(std::vector<TokenId> prompt, engine_->tokenizer().Encode(rendered, false));
  const auto& start = engine_->defaults().start_token_id;
  if (start && (prompt.empty() || prompt.front() != *start)) prompt.insert(prompt.begin(), *start);
  ASSIGN_OR_RETURN(GenerateResult result, Run(prompt, options, on_text));
  if (!result.text.empty() || result.finish_reason != FinishReason::kCancelled)
    history_.push_back({Role::kAssistant, result.text});
  return result;
}

StatusOr<GenerateResult> Session::Impl::Complete(std::string_view text, const GenerateOptions& options,
                                                 const StreamCallback& on_text) {
  RETURN_IF_ERROR(RequireEngine());
  cancel_.store(false);
  ASSIGN_OR_RETURN(std::vector<TokenId> ids, engine_->tokenizer().Encode(text, false));
  std::vector<TokenId> prompt(state_.tokens().begin(), state_.tokens().end());
  const auto& start = engine_->defaults().start_token_id;
  if (prompt.empty() && start && (ids.empty() || ids.front() != *start)) prompt.push_back(*start);
  prompt.insert(prompt.end(), ids.begin(), ids.end());
  return Run(prompt, options, on_text);
}

Status Session::Impl::RemoveLastReply() {
  auto last_user = std::find_if(history_.rbegin(), history_.rend(),
                                [](const Message& m) { return m.role == Role::kUser; });
  if (last_user == history_.rend() || last_user == history_.rbegin())
    return FailedPreconditionError("there is no reply to remove");
  history_.erase(last_user.base(), history_.end());
  return Status::Ok();
}

// ---- Session facade ----

namespace {
Status CheckSessionOptions(const SessionOptions& options) {
  if (options.max_context < 0) return InvalidArgumentError("SessionOptions.max_context must be >= 0");
  if (options.num_threads < 0) return InvalidArgumentError("SessionOptions.num_threads must be >= 0");
  const int dtype = static_cast<int>(options.kv_cache_dtype);
  if (dtype < 0 || dtype > static_cast<int>(KvCacheDType::kInt8)) {
    return InvalidArgumentError("SessionOptions.kv_cache_dtype: unknown value " + std::to_string(dtype));
  }
  return Status::Ok();
}

Status CheckBatcher(const SessionOptions& options, const Model* model) {
  if (options.decode_batcher != nullptr && options.decode_batcher->impl().model() != model)
    return InvalidArgumentError("SessionOptions.decode_batcher was created for another model");
  return Status::Ok();
}
}  // namespace

StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Engine> engine,
                                                   const SessionOptions& options) {
  if (engine == nullptr) return InvalidArgumentError("Session::Create: engine is null");
  RETURN_IF_ERROR(CheckSessionOptions(options));
  std::shared_ptr<const Model> model = engine->model();
  RETURN_IF_ERROR(CheckBatcher(options, model.get()));
  const int limit = model->info().max_context;
  // Default: the model file's KV-cache length; an explicit max_context may go up to the limit.
  int max_context = engine->defaults().max_context > 0 ? std::min(engine->defaults().max_context, limit) : limit;
  if (options.max_context > 0) max_context = std::min(options.max_context, limit);
  return std::unique_ptr<Session>(
      new Session(std::make_unique<Impl>(std::move(engine), std::move(model), max_context, options)));
}

StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model> model,
                                                   const SessionOptions& options) {
  if (model == nullptr) return InvalidArgumentError("Session::Create: model is null");
  RETURN_IF_ERROR(CheckSessionOptions(options));
  RETURN_IF_ERROR(CheckBatcher(options, model.get()));
  const int limit = model->info().max_context;
  const int max_context = options.max_context == 0 ? limit : std::min(options.max_context, limit);
  return std::unique_ptr<Session>(
      new Session(std::make_unique<Impl>(nullptr, std::move(model), max_context, options)));
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

void Session::AddMessage(Role role, std::string content) {
  impl_->history_.push_back({role, std::move(content)});
}
const std::vector<Message>& Session::history() const { return impl_->history_; }
void Session::SetHistory(std::vector<Message> history) { impl_->history_ = std::move(history); }
void Session::Clear() {
  impl_->history_.clear();
  impl_->state_.Truncate(0);
}
Status Session::RemoveLastReply() { return impl_->RemoveLastReply(); }
StatusOr<GenerateResult> Session::Generate(const GenerateOptions& options, const StreamCallback& on_text) {
  return impl_->Generate(options, on_text);
}
StatusOr<GenerateResult> Session::Complete(std::string_view text, const GenerateOptions& options,
                                           const StreamCallback& on_text) {
  return impl_->Complete(text, options, on_text);
}
void Session::Cancel() { impl_->cancel_.store(true); }
StatusOr<std::unique_ptr<Session>> Session::Clone() const {
  return std::unique_ptr<Session>(new Session(std::make_unique<Impl>(*impl_)));
}

Status Session::Prefill(std::span<const TokenId> tokens) {
  impl_->cancel_.store(false);
  return impl_->state_.Append(tokens, nullptr, &impl_->cancel_);
}
Status Session::PrefillAllLogits(std::span<const TokenId> tokens, std::vector<float>* all_logits) {
  if (all_logits == nullptr) return InvalidArgumentError("PrefillAllLogits: all_logits is null");
  impl_->cancel_.store(false);
  return impl_->state_.Append(tokens, all_logits, &impl_->cancel_);
}
std::span<const float> Session::LastLogits() const { return impl_->state_.last_logits(); }
std::span<const TokenId> Session::tokens() const { return impl_->state_.tokens(); }
int Session::num_tokens() const { return impl_->state_.num_tokens(); }
int Session::max_context() const { return impl_->state_.max_tokens(); }
void Session::Reset() { impl_->state_.Truncate(0); }
const Model& Session::model() const { return *impl_->model_; }

StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                             std::span<const TokenId> ids,
                                             const SessionOptions& session_options) {
  if (model == nullptr) return InvalidArgumentError("ComputePerplexity: model is null");
  if (ids.size() < 2) return InvalidArgumentError("perplexity needs at least 2 tokens");
  const int64_t vocab = model->info().vocab_size;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab)
      return InvalidArgumentError("token id " + std::to_string(ids[i]) + " at index " +
                                  std::to_string(i) + " is outside the vocabulary [0, " +
                                  std::to_string(vocab) + ")");
  }
  SessionOptions options = session_options;
  if (options.max_context == 0) options.max_context = static_cast<int>(std::min<size_t>(ids.size(), INT_MAX));
  ASSIGN_OR_RETURN(auto session, Session::Create(std::move(model), options));
  PerplexityResult result;
  result.nll.reserve(ids.size() - 1);
  std::vector<float> logits;
  constexpr size_t kChunk = 128;
  const auto inputs = ids.first(ids.size() - 1);
  for (size_t begin = 0; begin < inputs.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - begin);
    RETURN_IF_ERROR(session->PrefillAllLogits(inputs.subspan(begin, n), &logits));
    for (size_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * vocab;
      const double mx = *std::max_element(row, row + vocab);
      double sum = 0;
      for (int64_t j = 0; j < vocab; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
      result.nll.push_back(std::log(sum) + mx - static_cast<double>(row[ids[begin + i + 1]]));
    }
  }
  const double total = std::accumulate(result.nll.begin(), result.nll.end(), 0.0);
  result.perplexity = std::exp(total / static_cast<double>(result.nll.size()));
  return result;
}

}  // namespace litertlm
