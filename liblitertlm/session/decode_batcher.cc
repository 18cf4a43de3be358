#include "session/decode_batcher.h"

#include <algorithm>

namespace litertlm {
namespace {
// How long a queued step waits for the joined sessions that have not queued their token yet:
// the duration of the last step, within these bounds. A session spends the gap sampling and
// streaming its previous token, which on a loaded machine can take a few milliseconds; starting
// without it would split the sessions into two half batches that alternate, each reading all
// the weights. Waiting up to one step costs at most what that split would.
constexpr auto kMinGather = std::chrono::milliseconds(2);
constexpr auto kMaxGather = std::chrono::milliseconds(100);
}  // namespace

DecodeBatcher::Impl::Impl(std::shared_ptr<const Model> model, int num_threads)
    : model_(std::move(model)), ctx_(SessionThreadPool(ImplOf(*model_), num_threads)) {}

void DecodeBatcher::Impl::Join() {
  std::lock_guard<std::mutex> lock(mu_);
  ++joined_;
}

void DecodeBatcher::Impl::Leave() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --joined_;
  }
  cv_.notify_all();  // the others may now be complete
}

Status DecodeBatcher::Impl::Decode(ContextState& state, TokenId token) {
  std::unique_lock<std::mutex> lock(mu_);
  Request request{&state, token, Clock::now(), Status::Ok()};
  pending_.push_back(&request);
  cv_.notify_all();
  while (!request.done) {
    const bool queued = std::find(pending_.begin(), pending_.end(), &request) != pending_.end();
    if (running_ || !queued) {
      cv_.wait(lock);
      continue;
    }
    const bool complete = static_cast<int>(pending_.size()) >= joined_;
    const auto gather = std::clamp<Clock::duration>(last_step_duration_, kMinGather, kMaxGather);
    const Clock::time_point until = std::max(request.arrival, last_step_end_) + gather;
    if (complete || Clock::now() >= until) {
      Lead(lock);
    } else {
      cv_.wait_until(lock, until);
    }
  }
  return request.status;
}

void DecodeBatcher::Impl::Lead(std::unique_lock<std::mutex>& lock) {
  running_ = true;
  const Clock::time_point start = Clock::now();
  std::vector<Request*> batch;
  batch.swap(pending_);
  lock.unlock();
  states_.clear();
  ids_.clear();
  for (Request* r : batch) {
    states_.push_back(r->state);
    ids_.push_back(r->token);
  }
  Status status = ContextState::DecodeBatch(states_, ids_, scratch_, logits_, ctx_);
  if (!status.ok() && batch.size() > 1) {
    // One bad request (e.g. a full context) must not fail the others: decode them one by one.
    for (Request* r : batch) {
      ContextState* one[] = {r->state};
      r->status = ContextState::DecodeBatch(one, std::span(&r->token, 1), scratch_, logits_, ctx_);
    }
  } else {
    for (Request* r : batch) r->status = status;
  }
  lock.lock();
  ++steps_;
  tokens_ += static_cast<int64_t>(batch.size());
  for (Request* r : batch) r->done = true;
  running_ = false;
  last_step_end_ = Clock::now();
  last_step_duration_ = last_step_end_ - start;
  cv_.notify_all();
}

int64_t DecodeBatcher::Impl::steps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return steps_;
}

int64_t DecodeBatcher::Impl::tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

// ---- public facade ----

StatusOr<std::shared_ptr<DecodeBatcher>> DecodeBatcher::Create(std::shared_ptr<const Model> model,
                                                               int num_threads) {
  if (model == nullptr) return InvalidArgumentError("DecodeBatcher::Create: model is null");
  if (num_threads < 0) return InvalidArgumentError("DecodeBatcher::Create: num_threads must be >= 0");
  return std::make_shared<DecodeBatcher>(std::make_unique<Impl>(std::move(model), num_threads));
}

DecodeBatcher::DecodeBatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DecodeBatcher::~DecodeBatcher() = default;
int64_t DecodeBatcher::steps() const { return impl_->steps(); }
int64_t DecodeBatcher::tokens() const { return impl_->tokens(); }

}  // namespace litertlm
