// Shared by the commands that use the models directory (pull, list, rm, and run/convert):
// the --models-dir/--offline flags, download progress on stderr, multi-line Hub errors.
#ifndef LITERTLM_CLI_HUB_CLI_H_
#define LITERTLM_CLI_HUB_CLI_H_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "litertlm/hub.h"
#include "litertlm/status.h"

namespace litertlm::cli {

struct ModelStoreFlags {
  std::string models_dir;
  bool offline = false;
};

// Adds --models-dir and --offline to `sub`.
void AddModelStoreFlags(CLI::App* sub, ModelStoreFlags* flags);

// Options for ModelStore::Open: flags, plus step messages and download progress on stderr (a
// redrawn bar on a terminal; when stderr is not a terminal, TERM is "dumb" or NO_COLOR is set,
// plain lines: one per 10 % of a file (or every 30 s) and one when it is finished).
ModelStoreOptions MakeModelStoreOptions(const ModelStoreFlags& flags);

// Like ReportError, but keeps the message's later lines (the Hub's how-to-fix steps):
// "litert-lm-cli: error: <first line>" then the rest verbatim. Returns 1.
int ReportMultilineError(const Status& status);

// True when progress may be a redrawn bar: stderr is a terminal, TERM is not "dumb" and NO_COLOR
// is unset/empty. Otherwise commands print plain progress lines.
bool FancyProgress();

// "7s", "3m09s", "1h05m".
std::string FormatDuration(double seconds);

// "614 MB", "1.5 GB", "12 KB", "999 B" (decimal units).
std::string FormatBytes(uint64_t bytes);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_HUB_CLI_H_
