#include "conversion_signals.h"

#include <unistd.h>

#include "litertlm/converter.h"

namespace litertlm::cli {
namespace {

// Async-signal-safe only: unlink (inside RemovePendingConversionFiles), write, raise.
extern "C" void RemovePartialConversionAndExit(int sig) {
  RemovePendingConversionFiles();
  static const char kMessage[] = "\nconversion interrupted: partial output removed\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
  // SA_RESETHAND restored the default action; the signal is delivered again when this returns.
  ::raise(sig);
}

}  // namespace

ConversionSignalGuard::ConversionSignalGuard() {
  struct sigaction action {};
  action.sa_handler = RemovePartialConversionAndExit;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  action.sa_flags = SA_RESETHAND;
  // A signal the process was started ignoring (nohup, `cmd &` in a script) stays ignored.
  sigaction(SIGINT, nullptr, &previous_int_);
  sigaction(SIGTERM, nullptr, &previous_term_);
  if (previous_int_.sa_handler != SIG_IGN) sigaction(SIGINT, &action, nullptr);
  if (previous_term_.sa_handler != SIG_IGN) sigaction(SIGTERM, &action, nullptr);
}

ConversionSignalGuard::~ConversionSignalGuard() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

}  // namespace litertlm::cli
