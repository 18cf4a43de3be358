// `litert-lm-cli verify [MODEL...]`: full integrity check of .litertlm files (structure and, when
// recorded, the SHA-256 of the contents). No MODEL: every .litertlm file in the models directory.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "hub_cli.h"
#include "litertlm/hub.h"
#include "litertlm/model.h"

namespace litertlm::cli {

// The library's repair hint names the model generically; with a name from the models directory
// the commands are spelled out.
std::string WithRepairCommands(std::string message, const std::string& name) {
  for (const char* cmd : {"rm MODEL", "pull MODEL"}) {
    const std::string from = cmd;
    const size_t at = message.find(from);
    if (at != std::string::npos) message.replace(at, from.size(), from.substr(0, from.find(' ') + 1) + name);
  }
  return message;
}

namespace {

struct VerifyArgs {
  std::vector<std::string> models;
  ModelStoreFlags store;
};

struct Target {
  std::string name;  // for the repair hint: "org/name", or the path given
  std::string path;
};

StatusOr<std::vector<Target>> Targets(const VerifyArgs& args) {
  auto store = ModelStore::Open(MakeModelStoreOptions(args.store));
  if (!store.ok()) return store.status();
  std::vector<Target> targets;
  if (args.models.empty()) {
    auto models = (*store)->List();
    if (!models.ok()) return models.status();
    for (const LocalModel& m : *models) {
      for (const std::string& f : m.litertlm_files)
        targets.push_back({m.name, (std::filesystem::path(m.path) / f).string()});
    }
    return targets;
  }
  for (const std::string& model : args.models) {
    std::error_code ec;
    if (std::filesystem::exists(model, ec)) {
      targets.push_back({model, model});
      continue;
    }
    auto r = (*store)->Find(model);
    if (!r.ok()) return r.status();
    if (r->needs_conversion())
      return NotFoundError(model + " has no .litertlm file yet (only its checkpoint is downloaded)");
    targets.push_back({r->name, r->litertlm_path});
  }
  return targets;
}

int RunVerify(const VerifyArgs& args) {
  auto targets = Targets(args);
  if (!targets.ok()) return ReportMultilineError(targets.status());
  if (targets->empty()) {
    std::fprintf(stderr, "no .litertlm files in the models directory\n");
    return 0;
  }
  int damaged = 0;
  for (const Target& t : *targets) {
    StatusOr<bool> v = ModelLoader::Verify(t.path);
    if (!v.ok()) {
      ++damaged;
      std::printf("DAMAGED  %s\n", t.path.c_str());
      ReportError(WithRepairCommands(v.status().message(), t.name));
    } else {
      std::printf("%s  %s\n", *v ? "ok      " : "ok (no checksum recorded; structure checked)",
                  t.path.c_str());
    }
  }
  return damaged > 0 ? 1 : 0;
}

}  // namespace

Command RegisterVerifyCommand(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* sub = app.add_subcommand(
      "verify", "Check .litertlm files for damage (structure and checksum); exit 1 if any is damaged");
  sub->add_option("MODEL", args->models,
                  "ORG/NAME or a .litertlm path (default: every .litertlm in the models directory)");
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return RunVerify(*args); }};
}

}  // namespace litertlm::cli
