#include "line_reader.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace litertlm::cli {
namespace {

std::atomic<Session*> g_active_session{nullptr};
std::atomic<bool> g_interrupted{false};
struct sigaction g_previous_action;

void OnSigint(int) {
  g_interrupted.store(true);
  Session* session = g_active_session.load();
  if (session != nullptr) session->Cancel();
}

// Bytes read from stdin but not yet returned (after the first '\n' of a read()).
std::string& Pending() {
  static std::string pending;
  return pending;
}

}  // namespace

static_assert(std::atomic<Session*>::is_always_lock_free, "signal handler needs lock-free atomics");
static_assert(std::atomic<bool>::is_always_lock_free, "signal handler needs lock-free atomics");

InterruptGuard::InterruptGuard() {
  struct sigaction action = {};
  action.sa_handler = OnSigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a read() blocked at the prompt returns EINTR
  sigaction(SIGINT, &action, &g_previous_action);
}

InterruptGuard::~InterruptGuard() {
  g_active_session.store(nullptr);
  sigaction(SIGINT, &g_previous_action, nullptr);
}

void InterruptGuard::SetActiveSession(Session* session) { g_active_session.store(session); }

bool InterruptGuard::TakeInterrupt() { return g_interrupted.exchange(false); }

ReadStatus ReadLine(std::string* line) {
  std::string& pending = Pending();
  for (;;) {
    const size_t newline = pending.find('\n');
    if (newline != std::string::npos) {
      line->assign(pending, 0, newline);
      pending.erase(0, newline + 1);
      return ReadStatus::kLine;
    }
    char buf[4096];
    const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      if (InterruptGuard::TakeInterrupt()) {
        pending.clear();  // the terminal discards the typed line too
        return ReadStatus::kInterrupted;
      }
      continue;
    }
    if (n <= 0) {
      if (pending.empty()) return ReadStatus::kEndOfInput;
      line->swap(pending);
      pending.clear();
      return ReadStatus::kLine;
    }
    pending.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace litertlm::cli
