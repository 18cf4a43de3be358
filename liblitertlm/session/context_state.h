// The token-level state of one session: the KV cache, the tokens it holds, the last logits, and
// the forward calls that extend it. Used by the Generator (session/generator.h) and the
// converter's validation (converter/validation.cc); knows nothing of chat.
#ifndef LITERTLM_SESSION_CONTEXT_STATE_H_
#define LITERTLM_SESSION_CONTEXT_STATE_H_

#include <atomic>
#include <memory>
#include <span>
#include <vector>

#include "kernels/linear.h"
#include "litertlm/status.h"
#include "litertlm/types.h"
#include "model/kv_cache.h"
#include "model/loaded_model.h"
#include "model/transformer.h"

namespace litertlm {

// The thread pool a session (or a DecodeBatcher) on `model` runs its matrix work on: the model's
// shared pool (Model::Impl::SharedPool, one per Engine) when `num_threads` is 0 or the model's
// LoadOptions::num_threads, otherwise a new pool of `num_threads` threads of its own. Work from
// several threads on one pool takes turns job by job (util/thread_pool.h).
std::shared_ptr<ThreadPool> SessionThreadPool(const Model::Impl& model, int num_threads);

class ContextState {
 public:
  // `model` must outlive the state. `max_tokens` ≤ the model's context limit. `num_threads`:
  // threads for this state's matrix work (SessionThreadPool).
  ContextState(const Model::Impl& model, int max_tokens, int num_threads,
               KvDType kv_dtype = KvDType::kF32);
  ContextState(const ContextState& other);
  ContextState& operator=(const ContextState&) = delete;

  // Appends `tokens` (validated: ids in the vocabulary, room in the context). With
  // `all_logits`, writes tokens.size() × vocab logits; LastLogits() always holds the last row.
  // `cancel` (optional) is polled between chunks: when set, returns CANCELLED with the tokens
  // processed so far kept (the state stays consistent).
  Status Append(std::span<const TokenId> tokens, std::vector<float>* all_logits,
                const std::atomic<bool>* cancel = nullptr);
  // Forgets tokens [n, num_tokens()). LastLogits() is invalid until the next Append.
  void Truncate(int n);

  // One decode step for several states of the same model in one forward pass
  // (Transformer::DecodeBatch): states[i] gains tokens[i] and its next-token logits. Every state
  // is validated first (ids, context room, one model, no state twice); on error none changes.
  // Runs on `ctx`; `scratch` and `logits` are the caller's reusable buffers.
  static Status DecodeBatch(std::span<ContextState* const> states, std::span<const TokenId> tokens,
                            ForwardScratch& scratch, std::vector<float>& logits, KernelContext& ctx);

  std::span<const float> last_logits() const { return last_logits_; }
  std::span<const TokenId> tokens() const { return tokens_; }
  int num_tokens() const { return static_cast<int>(tokens_.size()); }
  int max_tokens() const { return cache_.max_tokens(); }
  const Model::Impl& model() const { return model_; }
  // The pool this state's matrix work runs on (shared with the model's other states, or its own).
  const std::shared_ptr<ThreadPool>& pool() const { return kernels_->shared_pool(); }

 private:
  Status Validate(std::span<const TokenId> tokens) const;

  const Model::Impl& model_;
  std::unique_ptr<KernelContext> kernels_;
  KvCache cache_;
  ForwardScratch scratch_;
  std::vector<TokenId> tokens_;
  std::vector<float> last_logits_;
  std::vector<int> rows_;
};

}  // namespace litertlm

#endif  // LITERTLM_SESSION_CONTEXT_STATE_H_
