// The public Session (litertlm/session.h): a facade over session/conversation.h (chat history,
// prompt rendering, context overflow) and session/generator.h (the prefill/decode loop). Here:
// argument checks, the context size, and the KvCacheDType / FinishReason names.
#include "litertlm/session.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "model/loaded_model.h"
#include "session/conversation.h"
#include "session/decode_batcher.h"
#include "session/generator.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

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

// The public Session over session/conversation.h: the engine (or bare model) it keeps alive,
// and the conversation that does the work.
class Session::Impl {
 public:
  Impl(std::shared_ptr<const Engine> engine, std::shared_ptr<const Model> model, int max_context,
       const SessionOptions& options)
      : engine_(std::move(engine)),
        model_(std::move(model)),
        conversation_(ImplOf(*model_), GeneratorOptionsFor(max_context, options), ChatOf(engine_.get()),
                      options.context_overflow) {}
  Impl(const Impl& other) = default;

  std::shared_ptr<const Engine> engine_;
  std::shared_ptr<const Model> model_;
  Conversation conversation_;

 private:
  static GeneratorOptions GeneratorOptionsFor(int max_context, const SessionOptions& options) {
    GeneratorOptions g;
    g.max_tokens = max_context;
    g.num_threads = options.num_threads;
    g.kv_dtype = ToKvDType(options.kv_cache_dtype);
    g.batcher = options.decode_batcher;
    return g;
  }
  static std::optional<ChatResources> ChatOf(const Engine* engine) {
    if (engine == nullptr) return std::nullopt;
    return ChatResources{&engine->tokenizer(), &engine->chat_template(), &engine->defaults()};
  }
};

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
  if (options.decode_batcher != nullptr && ImplOf(*options.decode_batcher).model() != model)
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
  impl_->conversation_.history().push_back({role, std::move(content)});
}
const std::vector<Message>& Session::history() const { return impl_->conversation_.history(); }
void Session::SetHistory(std::vector<Message> history) { impl_->conversation_.history() = std::move(history); }
void Session::Clear() { impl_->conversation_.Clear(); }
Status Session::RemoveLastReply() { return impl_->conversation_.RemoveLastReply(); }
StatusOr<GenerateResult> Session::Generate(const GenerateOptions& options, const StreamCallback& on_text) {
  return impl_->conversation_.Generate(options, on_text);
}
StatusOr<GenerateResult> Session::Complete(std::string_view text, const GenerateOptions& options,
                                           const StreamCallback& on_text) {
  return impl_->conversation_.Complete(text, options, on_text);
}
void Session::Cancel() { impl_->conversation_.generator().Cancel(); }
StatusOr<std::unique_ptr<Session>> Session::Clone() const {
  return std::unique_ptr<Session>(new Session(std::make_unique<Impl>(*impl_)));
}

Status Session::Prefill(std::span<const TokenId> tokens) {
  return impl_->conversation_.generator().Prefill(tokens, nullptr);
}
Status Session::PrefillAllLogits(std::span<const TokenId> tokens, std::vector<float>* all_logits) {
  if (all_logits == nullptr) return InvalidArgumentError("PrefillAllLogits: all_logits is null");
  return impl_->conversation_.generator().Prefill(tokens, all_logits);
}
std::span<const float> Session::LastLogits() const {
  return impl_->conversation_.generator().state().last_logits();
}
std::span<const TokenId> Session::tokens() const { return impl_->conversation_.generator().state().tokens(); }
int Session::num_tokens() const { return impl_->conversation_.generator().state().num_tokens(); }
int Session::max_context() const { return impl_->conversation_.generator().max_tokens(); }
void Session::Reset() { impl_->conversation_.generator().Reset(); }
const Model& Session::model() const { return *impl_->model_; }

}  // namespace litertlm
