// DecodeBatcher::Impl: the rendezvous that turns the decode steps of sessions running on their
// own threads into batched steps. A session Join()s when its decode loop starts and Leave()s when
// it ends; each Decode() call queues (state, token) and waits. The first queued caller leads a
// step as soon as every joined session has queued its token (or, so that a slow session does not
// hold the others back, one step's duration after the later of its own arrival and the end of
// the previous step), runs one ContextState::DecodeBatch for all queued requests, and wakes them.
// The steps run on the model's shared pool unless Create() was given another thread count, so a
// server's batched decode and its sessions' prefills take turns on one set of threads.
#ifndef LITERTLM_SESSION_DECODE_BATCHER_H_
#define LITERTLM_SESSION_DECODE_BATCHER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "litertlm/session.h"
#include "model/loaded_model.h"
#include "session/context_state.h"
#include "util/impl_access.h"

namespace litertlm {

class DecodeBatcher::Impl {
 public:
  Impl(std::shared_ptr<const Model> model, int num_threads);

  const Model* model() const { return model_.get(); }
  // The pool the batched steps run on (SessionThreadPool of the Create() thread count).
  const std::shared_ptr<ThreadPool>& pool() const { return ctx_.shared_pool(); }
  void Join();
  void Leave();
  // Appends `token` to `state` (one decode step), batched with the other joined sessions.
  Status Decode(ContextState& state, TokenId token);

  int64_t steps() const;
  int64_t tokens() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Request {
    ContextState* state;
    TokenId token;
    Clock::time_point arrival;
    Status status;
    bool done = false;
  };
  void Lead(std::unique_lock<std::mutex>& lock);

  const std::shared_ptr<const Model> model_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int joined_ = 0;
  bool running_ = false;
  Clock::time_point last_step_end_{};
  Clock::duration last_step_duration_{};
  std::vector<Request*> pending_;
  int64_t steps_ = 0;
  int64_t tokens_ = 0;
  // Used by the leader of a step only (one step at a time).
  KernelContext ctx_;
  ForwardScratch scratch_;
  std::vector<float> logits_;
  std::vector<ContextState*> states_;
  std::vector<TokenId> ids_;
};

// The batcher behind `batcher` (the public DecodeBatcher keeps it private).
inline DecodeBatcher::Impl& ImplOf(const DecodeBatcher& batcher) {
  return internal::ImplAccess::Of(batcher);
}

// Joins `batcher` for its lifetime (nullptr: nothing).
class BatchMembership {
 public:
  explicit BatchMembership(DecodeBatcher::Impl* batcher) : batcher_(batcher) {
    if (batcher_ != nullptr) batcher_->Join();
  }
  ~BatchMembership() {
    if (batcher_ != nullptr) batcher_->Leave();
  }
  BatchMembership(const BatchMembership&) = delete;
  BatchMembership& operator=(const BatchMembership&) = delete;

 private:
  DecodeBatcher::Impl* batcher_;
};

}  // namespace litertlm

#endif  // LITERTLM_SESSION_DECODE_BATCHER_H_
