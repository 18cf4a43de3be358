// litert-lm-cli: convert Hugging Face models to .litertlm and run them on the CPU.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "command.h"
#include "litertlm/version.h"

namespace litertlm::cli {

int ReportError(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "litert-lm-cli: error: %s\n", line.c_str());
  return 1;
}

int ReportError(const Status& status) { return ReportError(status.message()); }

}  // namespace litertlm::cli

int main(int argc, char** argv) {
  using namespace litertlm::cli;
  CLI::App app{"litert-lm-cli: convert Hugging Face language models and run them on the CPU"};
  app.set_version_flag("--version", std::string("litert-lm-cli ") + litertlm::Version());
  app.require_subcommand(1);
  std::vector<Command> commands = {
      RegisterConvertCommand(app),
      RegisterInspectCommand(app),
      RegisterPerplexityCommand(app),
      RegisterPullCommand(app),
      RegisterListCommand(app),
      RegisterRmCommand(app),
      RegisterTokenizeCommand(app),
      RegisterDetokenizeCommand(app),
      RegisterRunCommand(app),
      RegisterBenchCommand(app),
      RegisterVerifyCommand(app),
      RegisterServeCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Exit 1 like every other bad input (flag values out of range included: flag_ranges.h).
    return ReportError(e.what());
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return ReportError("no command given (see --help)");
}
