// How a subcommand plugs into litert-lm-cli: Register*Command adds a CLI11 subcommand and
// returns the function main() calls when that subcommand was given. The function returns the
// process exit code.
#ifndef LITERTLM_CLI_COMMAND_H_
#define LITERTLM_CLI_COMMAND_H_

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "litertlm/status.h"

namespace litertlm::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Prints "litert-lm-cli: error: <message>" on one line to stderr and returns 1.
int ReportError(const Status& status);
int ReportError(const std::string& message);

Command RegisterConvertCommand(CLI::App& app);
Command RegisterInspectCommand(CLI::App& app);
Command RegisterPerplexityCommand(CLI::App& app);
Command RegisterPullCommand(CLI::App& app);
Command RegisterListCommand(CLI::App& app);
Command RegisterRmCommand(CLI::App& app);
Command RegisterTokenizeCommand(CLI::App& app);
Command RegisterDetokenizeCommand(CLI::App& app);
Command RegisterRunCommand(CLI::App& app);
Command RegisterBenchCommand(CLI::App& app);
Command RegisterVerifyCommand(CLI::App& app);
// Spells out the `rm MODEL` / `pull MODEL` repair commands of a damaged-file error for `name`.
std::string WithRepairCommands(std::string message, const std::string& name);
Command RegisterServeCommand(CLI::App& app);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_COMMAND_H_
