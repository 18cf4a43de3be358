#include "serve/session_pool.h"

#include <algorithm>

namespace litertlm::cli::serve {

SessionPool::SessionPool(std::shared_ptr<const Engine> engine, SessionOptions options, int capacity)
    : engine_(std::move(engine)), options_(options), capacity_(std::max(1, capacity)) {}

StatusOr<Session*> SessionPool::Acquire(std::span<const TokenId> prompt) {
  std::lock_guard<std::mutex> lock(mu_);
  Slot* best = nullptr;
  size_t best_common = 0;
  for (Slot& slot : slots_) {
    if (slot.busy) continue;
    const auto held = slot.session->tokens();
    const size_t common =
        std::mismatch(held.begin(), held.end(), prompt.begin(), prompt.end()).first - held.begin();
    if (best == nullptr || common > best_common ||
        (common == best_common && slot.last_used < best->last_used)) {
      best = &slot;
      best_common = common;
    }
  }
  const bool worth_reusing = best != nullptr && 2 * best_common >= prompt.size();
  if (!worth_reusing && static_cast<int>(slots_.size()) < capacity_) {
    auto session = Session::Create(engine_, options_);
    if (!session.ok()) return session.status();
    slots_.push_back({std::move(*session), false, 0});
    best = &slots_.back();
  }
  if (best == nullptr) return FailedPreconditionError("every session of the pool is busy");
  best->busy = true;
  best->last_used = ++clock_;
  return best->session.get();
}

void SessionPool::Release(Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Slot& slot : slots_) {
    if (slot.session.get() == session) slot.busy = false;
  }
}

int SessionPool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(slots_.size());
}

}  // namespace litertlm::cli::serve
