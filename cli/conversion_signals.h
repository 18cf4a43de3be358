// Ctrl-C or SIGTERM during a conversion: the partial "<output>.tmp.<pid>" (GBs for a real model)
// is removed before the process ends. The library installs no signal handler
// (litertlm/converter.h RemovePendingConversionFiles); the CLI does, only while converting, and
// puts back whatever handler was there before (e.g. the chat's InterruptGuard) afterwards.
#ifndef LITERTLM_CLI_CONVERSION_SIGNALS_H_
#define LITERTLM_CLI_CONVERSION_SIGNALS_H_

#include <signal.h>

namespace litertlm::cli {

// While alive, SIGINT and SIGTERM remove the temporary files of the conversion in progress, say
// so on stderr and end the process with the signal's default action (exit status 128 + signal).
class ConversionSignalGuard {
 public:
  ConversionSignalGuard();
  ~ConversionSignalGuard();
  ConversionSignalGuard(const ConversionSignalGuard&) = delete;
  ConversionSignalGuard& operator=(const ConversionSignalGuard&) = delete;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_CONVERSION_SIGNALS_H_
