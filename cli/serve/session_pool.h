// A small pool of chat sessions on one Engine, each keeping the KV cache of the last request it
// ran. A request takes the idle session whose cached tokens share the longest prefix with its
// prompt, so a conversation that continues (or a common system prompt) is not prefilled again.
#ifndef LITERTLM_CLI_SERVE_SESSION_POOL_H_
#define LITERTLM_CLI_SERVE_SESSION_POOL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "litertlm/engine.h"
#include "litertlm/session.h"

namespace litertlm::cli::serve {

class SessionPool {
 public:
  // At most `capacity` sessions exist; it must be at least the number of concurrent Acquire
  // holders, so that Acquire always finds an idle one.
  SessionPool(std::shared_ptr<const Engine> engine, SessionOptions options, int capacity);

  // The idle session sharing the longest token prefix with `prompt`; ties go to the least
  // recently used. A new session is created (while below capacity) when no idle one shares at
  // least half of the prompt. FAILED_PRECONDITION when every session is busy.
  StatusOr<Session*> Acquire(std::span<const TokenId> prompt);
  void Release(Session* session);

  int size() const;

 private:
  struct Slot {
    std::unique_ptr<Session> session;
    bool busy = false;
    uint64_t last_used = 0;
  };
  const std::shared_ptr<const Engine> engine_;
  const SessionOptions options_;
  const int capacity_;
  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  uint64_t clock_ = 0;
};

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_SESSION_POOL_H_
