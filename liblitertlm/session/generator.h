// Generator: the generation loop of one session over its token state (ContextState). Prefill
// (reusing the longest common prefix of what the context holds), then decode: sample, stop at a
// stop token / stop string / max_tokens / a full context, stream whole UTF-8 pieces to the
// caller, and notice Cancel() within one step. Knows nothing of chat: the prompt comes in as
// tokens (session/conversation.h renders the history into them).
//
// Thread-safety: one thread at a time uses a Generator, except Cancel(), which any thread may call
// at any time. Generators on one model share its thread pool (ContextState) and, when given one,
// a DecodeBatcher; both are safe to use from several generators on several threads at once.
#ifndef LITERTLM_SESSION_GENERATOR_H_
#define LITERTLM_SESSION_GENERATOR_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "litertlm/engine.h"
#include "litertlm/session.h"
#include "litertlm/status.h"
#include "litertlm/tokenizer.h"
#include "litertlm/types.h"
#include "model/kv_cache.h"
#include "model/loaded_model.h"
#include "session/context_state.h"

namespace litertlm {

struct GeneratorOptions {
  int max_tokens = 0;   // the context's size, ≤ the model's limit
  // Threads for the matrix work: 0 or the model's LoadOptions::num_threads = the model's shared
  // pool (one per Engine), another count = a pool of this generator's own (ContextState).
  int num_threads = 0;
  KvDType kv_dtype = KvDType::kF32;
  // When set, decode steps run batched with the other generators sharing it; must be on the
  // generator's model. Null: decode alone.
  std::shared_ptr<DecodeBatcher> batcher;
};

class Generator {
 public:
  // Called when an answer fills the context, with the tokens generated so far (the last one not
  // yet in the context). Returns true when it made room: the context then ends with all of
  // `generated` and last_logits() follow the last one. False: the answer ends (kContextFull).
  using MakeRoomFn =
      std::function<StatusOr<bool>(std::span<const TokenId> generated, GenerationStats* stats)>;

  // `model` must outlive the generator.
  Generator(const Model::Impl& model, const GeneratorOptions& options);
  // The same model and batcher, a copy of the context (a branch of the conversation).
  Generator(const Generator& other);
  Generator& operator=(const Generator&) = delete;

  // Any thread: the running Prefill/Refill/Run stops within one step. Cleared when a call starts.
  void Cancel() { cancel_.store(true); }
  // Starts a call: forgets a Cancel() that came before it.
  void BeginCall() { cancel_.store(false); }

  // Appends `tokens` to the context (ContextState::Append) after BeginCall(); CANCELLED (with
  // the tokens processed so far kept) when Cancel() arrives.
  Status Prefill(std::span<const TokenId> tokens, std::vector<float>* all_logits);
  // Makes the context equal to `tokens`, reusing the longest common prefix; returns the reused
  // count. CANCELLED (with the state consistent) when Cancel() arrives.
  StatusOr<int> Refill(const std::vector<TokenId>& tokens);
  // Makes the context equal to `prompt` (Refill), then samples the continuation with `options`
  // (the sampler, max_tokens and stop tokens default to `defaults`); `tokenizer` decodes the
  // pieces passed to `on_text`. `make_room` (may be empty) is asked when the context fills.
  // INVALID_ARGUMENT for an empty prompt or negative max_tokens, OUT_OF_RANGE for a prompt that
  // does not fit; a cancelled call returns OK with FinishReason::kCancelled.
  StatusOr<GenerateResult> Run(const std::vector<TokenId>& prompt, const GenerateOptions& options,
                               const Tokenizer& tokenizer, const ModelDefaults& defaults,
                               const StreamCallback& on_text, const MakeRoomFn& make_room);
  // Forgets the whole context.
  void Reset();
  // The last token of a run that stopped at max_tokens: returned as text but not yet run through
  // the model (the next completion runs it first). Taking it forgets it.
  std::optional<TokenId> TakeUnappended();

  const ContextState& state() const { return state_; }
  int max_tokens() const { return state_.max_tokens(); }

 private:
  // The decode loop of Run after the prompt is in the context.
  Status Decode(const GenerateOptions& options, const Tokenizer& tokenizer,
                const ModelDefaults& defaults, const StreamCallback& on_text,
                std::chrono::steady_clock::time_point start, const MakeRoomFn& make_room,
                GenerateResult* result);

  ContextState state_;
  std::shared_ptr<DecodeBatcher> batcher_;  // null: decode alone
  std::atomic<bool> cancel_{false};
  std::optional<TokenId> unappended_;
};

}  // namespace litertlm

#endif  // LITERTLM_SESSION_GENERATOR_H_
