#include "litertlm/session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <functional>
#include <iterator>
#include <numeric>
#include <optional>

#include "api/engine_impl.h"
#include "model/loaded_model.h"
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
        batcher_(options.decode_batcher),
        overflow_(options.context_overflow) {}
  Impl(const Impl& other)
      : engine_(other.engine_),
        model_(other.model_),
        state_(other.state_),
        history_(other.history_),
        batcher_(other.batcher_),
        unappended_(other.unappended_),
        overflow_(other.overflow_) {}

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
  // The last token of a completion that stopped at max_tokens: sampled and returned as text but
  // not yet run through the model. The next Complete() runs it first, so the context holds the
  // whole text that was printed.
  std::optional<TokenId> unappended_;

 private:
  // Called when an answer fills the context, with the tokens generated so far (the last one not
  // yet in the context). Returns true when it made room: the context then ends with all of
  // `generated` and LastLogits() follow the last one. False: the answer ends (kContextFull).
  using MakeRoomFn = std::function<StatusOr<bool>(std::span<const TokenId> generated, GenerationStats* stats)>;

  Status RequireEngine() const {
    if (engine_ == nullptr)
      return FailedPreconditionError("this session was created from a bare Model: chat needs an Engine");
    return Status::Ok();
  }
  // The history rendered with the chat template and tokenized (with the start token).
  StatusOr<std::vector<TokenId>> RenderPrompt(const GenerateOptions& options) const;
  // Tokens to keep free for the answer when making room (ContextOverflow::kDropOldest).
  size_t AnswerRoom(const GenerateOptions& options) const;
  // Removes the oldest turn: the first non-system message and what follows it up to the next user
  // message. Never the newest user message. Returns the messages removed (0: nothing to drop).
  int DropOldestTurn();
  // Makes the context equal to `tokens`, reusing the longest common prefix; returns the reused
  // count. CANCELLED (with the state consistent) when Cancel() arrives.
  StatusOr<int> Refill(const std::vector<TokenId>& tokens);
  // Makes the context equal to `prompt` (reusing the longest common prefix), then samples the
  // continuation.
  StatusOr<GenerateResult> Run(const std::vector<TokenId>& prompt, const GenerateOptions& options,
                               const StreamCallback& on_text, const MakeRoomFn& make_room);
  Status Decode(const GenerateOptions& options, const StreamCallback& on_text, Clock::time_point start,
                const MakeRoomFn& make_room, GenerateResult* result);
  MakeRoomFn ChatMakeRoom(const GenerateOptions& options);
  MakeRoomFn RawMakeRoom(const GenerateOptions& options);

  ContextOverflow overflow_;
};

StatusOr<int> Session::Impl::Refill(const std::vector<TokenId>& tokens) {
  const auto held = state_.tokens();
  size_t common = std::mismatch(held.begin(), held.end(), tokens.begin(), tokens.end()).first - held.begin();
  if (common == tokens.size()) --common;  // recompute the last token to get its logits
  state_.Truncate(static_cast<int>(common));
  RETURN_IF_ERROR(state_.Append(std::span(tokens).subspan(common), nullptr, &cancel_));
  return static_cast<int>(common);
}

size_t Session::Impl::AnswerRoom(const GenerateOptions& options) const {
  const int defaults_max = engine_ != nullptr ? engine_->defaults().max_tokens : 0;
  const int max_tokens = options.max_tokens > 0 ? options.max_tokens : defaults_max > 0 ? defaults_max : INT_MAX;
  return static_cast<size_t>(std::max(1, std::min(max_tokens, state_.max_tokens() / 4)));
}

int Session::Impl::DropOldestTurn() {
  auto first = std::find_if(history_.begin(), history_.end(),
                            [](const Message& m) { return m.role != Role::kSystem; });
  auto last_user = std::find_if(history_.rbegin(), history_.rend(),
                                [](const Message& m) { return m.role == Role::kUser; });
  if (first == history_.end() || last_user == history_.rend()) return 0;
  const auto newest_user = std::prev(last_user.base());
  if (first >= newest_user) return 0;
  auto end = std::find_if(std::next(first), newest_user + 1, [](const Message& m) { return m.role == Role::kUser; });
  const int removed = static_cast<int>(end - first);
  history_.erase(first, end);
  return removed;
}

StatusOr<std::vector<TokenId>> Session::Impl::RenderPrompt(const GenerateOptions& options) const {
  ChatTemplateOptions template_options;
  template_options.enable_thinking = options.enable_thinking;
  ASSIGN_OR_RETURN(std::string rendered, engine_->chat_template().Render(history_, template_options));
  ASSIGN_OR_RETURN(std::vector<TokenId> prompt, engine_->tokenizer().Encode(rendered, false));
  const auto& start = engine_->defaults().start_token_id;
  if (start && (prompt.empty() || prompt.front() != *start)) prompt.insert(prompt.begin(), *start);
  return prompt;
}

Session::Impl::MakeRoomFn Session::Impl::ChatMakeRoom(const GenerateOptions& options) {
  if (overflow_ != ContextOverflow::kDropOldest) return nullptr;
  return [this, options](std::span<const TokenId> generated, GenerationStats* stats) -> StatusOr<bool> {
    const size_t room = AnswerRoom(options);
    const size_t max = static_cast<size_t>(state_.max_tokens());
    std::vector<TokenId> tokens;
    int dropped = 0;
    do {
      const int d = DropOldestTurn();
      if (d == 0) break;
      dropped += d;
      ASSIGN_OR_RETURN(tokens, RenderPrompt(options));
    } while (tokens.size() + generated.size() + room > max);
    stats->dropped_messages += dropped;
    if (dropped == 0 || tokens.size() + generated.size() >= max) return false;
    tokens.insert(tokens.end(), generated.begin(), generated.end());
    Status s = Refill(tokens).status();
    if (s.code() == StatusCode::kCancelled) return true;  // the decode loop sees the cancel
    RETURN_IF_ERROR(s);
    return true;
  };
}

Session::Impl::MakeRoomFn Session::Impl::RawMakeRoom(const GenerateOptions& options) {
  if (overflow_ != ContextOverflow::kDropOldest) return nullptr;
  return [this, options](std::span<const TokenId> generated, GenerationStats* stats) -> StatusOr<bool> {
    std::vector<TokenId> tokens(state_.tokens().begin(), state_.tokens().end());
    tokens.push_back(generated.back());
    const auto& start = engine_->defaults().start_token_id;
    const size_t keep = start && tokens.front() == *start ? 1 : 0;
    const size_t droppable = tokens.size() - keep - 1;  // the newest token stays
    const size_t max = static_cast<size_t>(state_.max_tokens());
    const size_t wanted = tokens.size() + AnswerRoom(options);
    const size_t need = wanted > max ? wanted - max : 0;
    const size_t drop = std::min(droppable, std::max(need, droppable / 2));
    if (drop == 0) return false;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(keep),
                 tokens.begin() + static_cast<std::ptrdiff_t>(keep + drop));
    stats->dropped_tokens += static_cast<int>(drop);
    Status s = Refill(tokens).status();
    if (s.code() == StatusCode::kCancelled) return true;
    RETURN_IF_ERROR(s);
    return true;
  };
}

StatusOr<GenerateResult> Session::Impl::Run(const std::vector<TokenId>& prompt,
                                            const GenerateOptions& options,
                                            const StreamCallback& on_text,
                                            const MakeRoomFn& make_room) {
  const Clock::time_point start = Clock::now();
  if (prompt.empty()) return InvalidArgumentError("the prompt is empty");
  if (options.max_tokens < 0) return InvalidArgumentError("GenerateOptions.max_tokens must be >= 0");
  if (static_cast<int>(prompt.size()) >= state_.max_tokens()) {
    return OutOfRangeError("the prompt has " + std::to_string(prompt.size()) +
                           " tokens; the context holds at most " + std::to_string(state_.max_tokens()));
  }
  GenerateResult result;
  result.stats.prompt_tokens = static_cast<int>(prompt.size());
  const auto held = state_.tokens();
  size_t common = std::mismatch(held.begin(), held.end(), prompt.begin(), prompt.end()).first - held.begin();
  if (common == prompt.size()) --common;
  result.stats.reused_tokens = static_cast<int>(common);
  Status s = Refill(prompt).status();
  result.stats.prefill_seconds = Seconds(start, Clock::now());
  const double prefilled = static_cast<double>(prompt.size() - common);
  if (result.stats.prefill_seconds > 0) result.stats.prefill_tokens_per_second = prefilled / result.stats.prefill_seconds;
  if (s.code() == StatusCode::kCancelled) {
    result.finish_reason = FinishReason::kCancelled;
  } else {
    RETURN_IF_ERROR(s);
    RETURN_IF_ERROR(Decode(options, on_text, start, make_room, &result));
  }
  result.stats.context_tokens = state_.num_tokens();
  return result;
}

Status Session::Impl::Decode(const GenerateOptions& options, const StreamCallback& on_text,
                             Clock::time_point start, const MakeRoomFn& make_room,
                             GenerateResult* result) {
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
  std::vector<TokenId> generated;
  unappended_.reset();
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

StatusOr<GenerateResult> Session::Impl::Generate(const GenerateOptions& options,
                                                 const StreamCallback& on_text) {
  RETURN_IF_ERROR(RequireEngine());
  cancel_.store(false);
  unappended_.reset();
  if (history_.empty() || history_.back().role == Role::kAssistant)
    return FailedPreconditionError("Generate: add a user message first");
  ASSIGN_OR_RETURN(std::vector<TokenId> prompt, RenderPrompt(options));
  int dropped = 0;
  std::vector<Message> saved;
  if (overflow_ == ContextOverflow::kDropOldest) {
    const size_t room = AnswerRoom(options);
    const size_t max = static_cast<size_t>(state_.max_tokens());
    if (prompt.size() + room > max) saved = history_;
    while (prompt.size() + room > max) {
      const int d = DropOldestTurn();
      if (d == 0) break;
      dropped += d;
      ASSIGN_OR_RETURN(prompt, RenderPrompt(options));
    }
  }
  auto run = Run(prompt, options, on_text, ChatMakeRoom(options));
  if (!run.ok()) {
    if (dropped > 0) history_ = std::move(saved);  // a failed call leaves the history as it was
    return run.status();
  }
  GenerateResult result = std::move(run).value();
  result.stats.dropped_messages += dropped;
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
  if (unappended_ && !prompt.empty()) prompt.push_back(*unappended_);
  unappended_.reset();
  const auto& start = engine_->defaults().start_token_id;
  if (prompt.empty() && start && (ids.empty() || ids.front() != *start)) prompt.push_back(*start);
  prompt.insert(prompt.end(), ids.begin(), ids.end());
  size_t dropped = 0;
  const size_t room = AnswerRoom(options);
  const size_t max = static_cast<size_t>(state_.max_tokens());
  if (overflow_ == ContextOverflow::kDropOldest && prompt.size() + room > max) {
    // Drop the oldest tokens held before `text` (the start token stays), at least half of them.
    const size_t keep = start && !prompt.empty() && prompt.front() == *start ? 1 : 0;
    const size_t held = prompt.size() - ids.size();
    const size_t droppable = held > keep ? held - keep : 0;
    dropped = std::min(droppable, std::max(prompt.size() + room - max, droppable / 2));
    prompt.erase(prompt.begin() + static_cast<std::ptrdiff_t>(keep),
                 prompt.begin() + static_cast<std::ptrdiff_t>(keep + dropped));
  }
  ASSIGN_OR_RETURN(GenerateResult result, Run(prompt, options, on_text, RawMakeRoom(options)));
  result.stats.dropped_tokens += static_cast<int>(dropped);
  return result;
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
  const int overflow = static_cast<int>(options.context_overflow);
  if (overflow < 0 || overflow > static_cast<int>(ContextOverflow::kDropOldest)) {
    return InvalidArgumentError("SessionOptions.context_overflow: unknown value " + std::to_string(overflow));
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
  impl_->unappended_.reset();
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
  impl_->unappended_.reset();
  return impl_->state_.Append(tokens, nullptr, &impl_->cancel_);
}
Status Session::PrefillAllLogits(std::span<const TokenId> tokens, std::vector<float>* all_logits) {
  if (all_logits == nullptr) return InvalidArgumentError("PrefillAllLogits: all_logits is null");
  impl_->cancel_.store(false);
  impl_->unappended_.reset();
  return impl_->state_.Append(tokens, all_logits, &impl_->cancel_);
}
std::span<const float> Session::LastLogits() const { return impl_->state_.last_logits(); }
std::span<const TokenId> Session::tokens() const { return impl_->state_.tokens(); }
int Session::num_tokens() const { return impl_->state_.num_tokens(); }
int Session::max_context() const { return impl_->state_.max_tokens(); }
void Session::Reset() {
  impl_->state_.Truncate(0);
  impl_->unappended_.reset();
}
const Model& Session::model() const { return *impl_->model_; }

namespace {

// -log softmax(row)[target], in double.
double NegLogLikelihood(const float* row, int64_t vocab, TokenId target) {
  const double mx = *std::max_element(row, row + vocab);
  double sum = 0;
  for (int64_t j = 0; j < vocab; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
  return std::log(sum) + mx - static_cast<double>(row[target]);
}

// One window: `window` scored in a fresh context after `prefix` (0 or 1 tokens of context only,
// prefilled with the window so the arithmetic is that of one sequence).
Status ScoreWindow(Session& session, std::span<const TokenId> prefix,
                   std::span<const TokenId> window, int64_t vocab, int total,
                   const PerplexityOptions& p, PerplexityResult& result, double& nll_sum) {
  session.Reset();
  std::vector<TokenId> seq(prefix.begin(), prefix.end());
  seq.insert(seq.end(), window.begin(), window.end());
  const size_t skip = prefix.size();  // predictions of window[0] (from the prefix) not scored
  std::vector<float> logits;
  constexpr size_t kChunk = 128;
  const auto inputs = std::span<const TokenId>(seq).first(seq.size() - 1);
  for (size_t begin = 0; begin < inputs.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - begin);
    RETURN_IF_ERROR(session.PrefillAllLogits(inputs.subspan(begin, n), &logits));
    for (size_t i = 0; i < n; ++i) {
      if (begin + i < skip) continue;
      result.nll.push_back(NegLogLikelihood(logits.data() + i * vocab, vocab, seq[begin + i + 1]));
      nll_sum += result.nll.back();
    }
    const int scored = static_cast<int>(result.nll.size());
    if (p.on_progress && scored > 0 && !p.on_progress(scored, total, std::exp(nll_sum / scored)))
      return CancelledError("perplexity cancelled after " + std::to_string(scored) + " of " +
                            std::to_string(total) + " tokens");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                             std::span<const TokenId> ids,
                                             const SessionOptions& session_options) {
  return ComputePerplexity(std::move(model), ids, session_options, PerplexityOptions{});
}

StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                             std::span<const TokenId> ids,
                                             const SessionOptions& session_options,
                                             const PerplexityOptions& p) {
  if (model == nullptr) return InvalidArgumentError("ComputePerplexity: model is null");
  if (ids.size() < 2) return InvalidArgumentError("perplexity needs at least 2 tokens");
  if (p.window_tokens < 0 || p.window_tokens == 1)
    return InvalidArgumentError("PerplexityOptions.window_tokens must be 0 or at least 2, got " +
                                std::to_string(p.window_tokens));
  const int64_t vocab = model->info().vocab_size;
  auto check_id = [vocab](TokenId id, const std::string& where) -> Status {
    if (id >= 0 && id < vocab) return Status::Ok();
    return InvalidArgumentError("token id " + std::to_string(id) + " " + where +
                                " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
  };
  for (size_t i = 0; i < ids.size(); ++i) RETURN_IF_ERROR(check_id(ids[i], "at index " + std::to_string(i)));
  if (p.window_prefix) RETURN_IF_ERROR(check_id(*p.window_prefix, "(window_prefix)"));
  const size_t window = p.window_tokens == 0 ? ids.size() : static_cast<size_t>(p.window_tokens);
  // Windows of one token (a short tail) have nothing to score: they are left out.
  std::vector<std::span<const TokenId>> windows;
  for (size_t begin = 0; begin + 1 < ids.size(); begin += window)
    windows.push_back(ids.subspan(begin, std::min(window, ids.size() - begin)));
  int total = 0;
  for (const auto& w : windows) total += static_cast<int>(w.size()) - 1;
  SessionOptions options = session_options;
  const size_t needed = window + (p.window_prefix && windows.size() > 1 ? 1 : 0);
  if (options.max_context == 0) options.max_context = static_cast<int>(std::min<size_t>(needed, INT_MAX));
  ASSIGN_OR_RETURN(auto session, Session::Create(std::move(model), options));
  PerplexityResult result;
  result.nll.reserve(static_cast<size_t>(total));
  result.windows = static_cast<int>(windows.size());
  double nll_sum = 0;
  for (size_t w = 0; w < windows.size(); ++w) {
    std::span<const TokenId> prefix;
    if (w > 0 && p.window_prefix) prefix = std::span<const TokenId>(&*p.window_prefix, 1);
    RETURN_IF_ERROR(ScoreWindow(*session, prefix, windows[w], vocab, total, p, result, nll_sum));
  }
  result.perplexity = std::exp(nll_sum / static_cast<double>(result.nll.size()));
  return result;
}

}  // namespace litertlm
