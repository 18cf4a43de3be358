// File: litertlm/session.h
// Session: one conversation's state — its KV cache, the tokens in it, the chat history — over a
// shared Engine (or, for token-level use, a bare Model).
//
// Chat:
//   auto session = litertlm::Session::Create(engine);
//   (*session)->AddMessage(litertlm::Role::kUser, "Hi!");
//   auto reply = (*session)->Generate({}, on_text);      // reply->text is also in the history
//   (*session)->AddMessage(litertlm::Role::kUser, "And then?");
//   reply = (*session)->Generate({}, on_text);           // prefills only the new turn
//
// Tokens:
//   auto session = litertlm::Session::Create(model);
//   (*session)->Prefill(prompt_ids);
//   std::span<const float> logits = (*session)->LastLogits();
//
// Thread-safety: a Session is used by one thread at a time, except Cancel(), which any thread may
// call at any time. Many sessions on many threads may share one Engine or Model: each has its
// own KV cache, tokens, history and sampler, and their matrix work shares the model's one thread
// pool (see litertlm/engine.h), so concurrent sessions give the results they give alone.
#ifndef LITERTLM_SESSION_H_
#define LITERTLM_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/chat.h"
#include "litertlm/engine.h"
#include "litertlm/export.h"
#include "litertlm/model.h"
#include "litertlm/sampler.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm {

// Element type of the KV cache. fp32 is exact. fp16 halves its memory and the bytes attention
// reads per decoded token, at a small accuracy cost. int8 (symmetric, one fp32 scale per 32
// values, like llama.cpp's q8_0 cache type) takes 28 % of fp32's bytes, at a larger one.
enum class KvCacheDType { kFloat32 = 0, kFloat16 = 1, kInt8 = 2 };
// "f32", "f16", "int8" (the CLI's --kv-cache-dtype values) and back; unknown names are
// INVALID_ARGUMENT.
LITERTLM_API std::string_view KvCacheDTypeName(KvCacheDType dtype);
LITERTLM_API StatusOr<KvCacheDType> KvCacheDTypeFromName(std::string_view name);

// What Generate/Complete do when the conversation outgrows the session's context.
enum class ContextOverflow {
  // A prompt that does not fit is OUT_OF_RANGE; an answer that fills the context ends with
  // FinishReason::kContextFull.
  kStop = 0,
  // Make room and go on, as llama.cpp's context shift and ollama's history truncation do.
  // Generate drops the oldest turns of the history (a user message and the replies after it; the
  // system message and the newest user message stay) until the prompt fits with room for an
  // answer (a quarter of the context, or max_tokens if smaller), and again when the answer fills
  // the context. Complete drops the oldest tokens after the start token (at least half of them).
  // The dropped part is gone from history() too; GenerationStats counts it. A prompt that does
  // not fit even alone is still OUT_OF_RANGE. The KV cache is reused up to the first dropped
  // token (e.g. the system message) and the rest is prefilled again.
  kDropOldest = 1,
};

// Decodes the sessions that share it together: while several of them generate at the same time
// (on their own threads), each step runs one forward pass for all of them — every weight matrix
// is read once per step instead of once per session, so the tokens per second of all sessions
// together grow with their number. Create one per Model and pass it in
// SessionOptions::decode_batcher; sessions on other models are refused. Prefill stays per
// session. Thread-safe.
class LITERTLM_API DecodeBatcher {
 public:
  class Impl;  // private to the library

  // `num_threads`: threads of the batched steps; 0 or the model's LoadOptions::num_threads = the
  // model's shared pool (the one its sessions use), another count = a pool of the batcher's own.
  static StatusOr<std::shared_ptr<DecodeBatcher>> Create(std::shared_ptr<const Model> model,
                                                         int num_threads = 0);
  explicit DecodeBatcher(std::unique_ptr<Impl> impl);
  ~DecodeBatcher();
  DecodeBatcher(const DecodeBatcher&) = delete;
  DecodeBatcher& operator=(const DecodeBatcher&) = delete;

  // Steps run so far, and the tokens they decoded (tokens / steps = mean batch size).
  int64_t steps() const;
  int64_t tokens() const;

 private:
  friend struct internal::ImplAccess;  // declared in litertlm/model.h
  std::unique_ptr<Impl> impl_;
};

struct SessionOptions {
  // Most tokens this session may hold; 0 = the model's limit. Memory grows with tokens used.
  int max_context = 0;
  KvCacheDType kv_cache_dtype = KvCacheDType::kFloat32;
  // Threads for this session's matrix work; 0 or the engine's count = the engine's shared pool
  // (sessions on several threads take turns on it), another count = a pool of its own.
  int num_threads = 0;
  // What a chat or completion does when it outgrows max_context.
  ContextOverflow context_overflow = ContextOverflow::kStop;
  // When set, this session's decode steps run batched with the other sessions sharing it
  // (see DecodeBatcher); must be on the session's model.
  std::shared_ptr<DecodeBatcher> decode_batcher;
};

enum class FinishReason {
  kStopToken = 0,    // the model emitted a stop token (end of turn)
  kMaxTokens = 1,    // GenerateOptions::max_tokens reached
  kStopString = 2,   // a stop string appeared (it is not part of the text)
  kCancelled = 3,    // Cancel() or the stream callback returned false
  kContextFull = 4,  // the session's context limit was reached
};
LITERTLM_API std::string_view FinishReasonName(FinishReason reason);  // "stop", "length", ...

struct GenerateOptions {
  // Most tokens to generate; 0 = the model's default (ModelDefaults::max_tokens), else until
  // the context is full.
  int max_tokens = 0;
  // Overrides the model's default sampler settings.
  std::optional<SamplerOptions> sampler;
  // Generation stops before any of these strings; they are not part of the reply.
  std::vector<std::string> stop_strings;
  // Qwen3 thinking switch (see ChatTemplateOptions::enable_thinking).
  std::optional<bool> enable_thinking;
};

struct GenerationStats {
  int prompt_tokens = 0;            // tokens of the rendered prompt
  int reused_tokens = 0;            // of those, already in the KV cache (not prefilled again)
  int generated_tokens = 0;
  double prefill_seconds = 0;
  double time_to_first_token_seconds = 0;
  double decode_seconds = 0;
  double prefill_tokens_per_second = 0;
  double decode_tokens_per_second = 0;
  int context_tokens = 0;           // tokens held after the call
  // ContextOverflow::kDropOldest: history messages (Generate) or context tokens (Complete)
  // dropped by this call to make room.
  int dropped_messages = 0;
  int dropped_tokens = 0;
};

struct GenerateResult {
  std::string text;
  FinishReason finish_reason = FinishReason::kStopToken;
  GenerationStats stats;
};

// Receives the reply as it is decoded, in pieces that are always whole UTF-8 characters.
// Return false to stop generating (FinishReason::kCancelled).
using StreamCallback = std::function<bool(std::string_view text)>;

class LITERTLM_API Session {
 public:
  class Impl;  // private to the library

  // A chat session: tokenizer, template and defaults come from the engine.
  static StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Engine> engine,
                                                   const SessionOptions& options = {});
  // A token-level session (Prefill/LastLogits only; the chat calls return FAILED_PRECONDITION).
  static StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Model> model,
                                                   const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- chat ----
  // Appends a message to the history (nothing is computed until Generate).
  void AddMessage(Role role, std::string content);
  const std::vector<Message>& history() const;
  // Replaces the whole history. The KV cache is kept: the next Generate prefills only what
  // follows the longest common token prefix of the cache and the new history's rendering (a
  // server continuing a conversation on whichever session holds most of it).
  void SetHistory(std::vector<Message> history);
  // Forgets the history and the KV cache.
  void Clear();
  // Removes the last assistant reply (and anything after the last user message), e.g. to
  // generate it again. FAILED_PRECONDITION when there is none.
  Status RemoveLastReply();
  // Renders the history with the chat template, prefills the tokens not already in the KV
  // cache (the longest common prefix is reused), and generates the assistant's reply, which is
  // appended to the history. OUT_OF_RANGE when the prompt alone does not fit the context;
  // running out of context while generating ends with FinishReason::kContextFull.
  StatusOr<GenerateResult> Generate(const GenerateOptions& options = {},
                                    const StreamCallback& on_text = nullptr);
  // Raw completion without the chat template: appends `text` to the context and continues it.
  // The history is not changed. The whole text of an earlier Complete is in the context (a
  // completion that stopped at max_tokens has its last token run first).
  StatusOr<GenerateResult> Complete(std::string_view text, const GenerateOptions& options = {},
                                    const StreamCallback& on_text = nullptr);
  // Stops a running Prefill/Generate/Complete (from any thread) within one step; the call returns
  // FinishReason::kCancelled (or CANCELLED for a prefill) and the session stays usable.
  void Cancel();
  // A new session with the same history and KV cache (a branch of the conversation).
  StatusOr<std::unique_ptr<Session>> Clone() const;

  // ---- tokens ----
  // Runs `tokens` after the current context (prefill; one token = one decode step). Afterwards
  // LastLogits() holds the next-token logits. OUT_OF_RANGE when the context would exceed the
  // limit (the session is left unchanged); INVALID_ARGUMENT for an id outside the vocabulary.
  Status Prefill(std::span<const TokenId> tokens);
  // As Prefill, and also writes the logits after every token of `tokens` into `all_logits`
  // (tokens.size() × vocab_size, row-major).
  Status PrefillAllLogits(std::span<const TokenId> tokens, std::vector<float>* all_logits);
  // Next-token logits after the last processed token; valid until the next non-const call.
  std::span<const float> LastLogits() const;
  // The tokens currently held in the context.
  std::span<const TokenId> tokens() const;
  int num_tokens() const;
  int max_context() const;
  // Forgets the whole context (the chat history is kept).
  void Reset();

  const Model& model() const;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Perplexity of a token sequence under a model: nll[i] = -log p(ids[i+1] | ids[0..i]).
struct PerplexityResult {
  double perplexity = 0;
  std::vector<double> nll;  // ids.size() - 1 values; with windows, one per scored token
  int windows = 1;          // PerplexityOptions::window_tokens windows scored
};

struct PerplexityOptions {
  // Tokens per window; 0 = the whole sequence in one context. Otherwise the sequence is cut into
  // consecutive, non-overlapping windows of this many tokens (the last one may be shorter), each
  // scored in a fresh context, as llama.cpp's `perplexity -c N` does: the first token of a
  // window is context only, so nll has ids.size() − windows values; with `window_prefix` set,
  // every window after the first starts with that token (e.g. BOS) as extra context.
  int window_tokens = 0;
  std::optional<TokenId> window_prefix;
  // Called after every scored chunk (≤ 128 tokens): tokens scored so far, tokens to score,
  // and the running perplexity. Returning false cancels (CANCELLED). May be empty.
  std::function<bool(int scored, int total, double running_perplexity)> on_progress;
};

// `options` configures the scoring session (e.g. its KV cache dtype); max_context 0 = the window
// (ids.size() without windows).
LITERTLM_API StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                                          std::span<const TokenId> ids,
                                                          const SessionOptions& options = {});
LITERTLM_API StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                                          std::span<const TokenId> ids,
                                                          const SessionOptions& options,
                                                          const PerplexityOptions& perplexity);

}  // namespace litertlm

#endif  // LITERTLM_SESSION_H_
