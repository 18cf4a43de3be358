// `litert-lm-cli pull MODEL`, `list`, `rm MODEL`: manage the models directory.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "command.h"
#include "hub_cli.h"
#include "litertlm/converter.h"
#include "litertlm/hub.h"
#include "litertlm/model.h"
#include "model_resolution.h"

namespace litertlm::cli {
namespace {

struct ModelArgs {
  std::string model;
  ModelStoreFlags store;
};

int RunPull(const ModelArgs& args) {
  auto store = ModelStore::Open(MakeModelStoreOptions(args.store));
  if (!store.ok()) return ReportMultilineError(store.status());
  auto model = (*store)->Pull(args.model);
  if (!model.ok()) return ReportMultilineError(model.status());
  if (!model->needs_conversion()) {
    // A file installed in the models directory is checked in full before it is called present:
    // a truncated or overwritten file must not pass as "already exists".
    std::error_code ec;
    if (!model->downloaded && !std::filesystem::exists(args.model, ec)) {  // a name, not a path
      StatusOr<bool> sound = ModelLoader::Verify(model->litertlm_path);
      if (!sound.ok()) return ReportError(WithRepairCommands(sound.status().message(), model->name));
    }
    std::fprintf(stderr, "\u2713 Model %s at %s\n", model->downloaded ? "saved" : "already exists",
                 model->litertlm_path.c_str());
    return 0;
  }
  std::fprintf(stderr, "\u2713 Checkpoint %s at %s\n",
               model->downloaded ? "downloaded" : "already downloaded",
               model->checkpoint_dir.c_str());
  ConvertOptions options;
  options.source_name = model->name;
  StatusOr<ConvertResult> converted =
      ConvertWithProgress(model->checkpoint_dir, model->litertlm_path, options);
  if (!converted.ok()) return ReportError(converted.status());
  return 0;
}

// "2026-12-06 05:31" in local time; "-" for 0.
std::string FormatDate(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return "-";
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

int RunList(const ModelArgs& args) {
  auto store = ModelStore::Open(MakeModelStoreOptions(args.store));
  if (!store.ok()) return ReportMultilineError(store.status());
  auto models = (*store)->List();
  if (!models.ok()) return ReportMultilineError(models.status());
  std::fprintf(stderr, "models directory: %s\n", (*store)->models_dir().c_str());
  if (models->empty()) {
    std::fprintf(stderr, "no models yet (litert-lm-cli pull MODEL)\n");
    return 0;
  }
  std::printf("%-40s %-22s %10s  %-16s  %s\n", "MODEL", "QUANTIZATION", "SIZE", "MODIFIED",
              "FILES");
  for (const LocalModel& m : *models) {
    std::string files;
    for (const std::string& f : m.litertlm_files) files += (files.empty() ? "" : ", ") + f;
    if (m.has_checkpoint) {
      files += files.empty() ? "" : ", ";
      files += m.checkpoint_complete ? "checkpoint/" : "checkpoint/ (incomplete)";
    }
    if (m.converting) files += files.empty() ? "(converting)" : " (converting)";
    if (files.empty()) files = "(incomplete download)";
    std::string quantization = m.quantization;
    if (quantization.empty()) quantization = m.litertlm_files.empty() ? "-" : "?";
    std::printf("%-40s %-22s %10s  %-16s  %s\n", m.name.c_str(), quantization.c_str(),
                FormatBytes(m.size_bytes).c_str(), FormatDate(m.modified_unix_seconds).c_str(),
                files.c_str());
  }
  return 0;
}

int RunRemove(const ModelArgs& args) {
  auto store = ModelStore::Open(MakeModelStoreOptions(args.store));
  if (!store.ok()) return ReportMultilineError(store.status());
  auto freed = (*store)->Remove(args.model);
  if (!freed.ok()) return ReportMultilineError(freed.status());
  std::fprintf(stderr, "removed %s (%s freed)\n", args.model.c_str(), FormatBytes(*freed).c_str());
  return 0;
}

}  // namespace

Command RegisterPullCommand(CLI::App& app) {
  auto args = std::make_shared<ModelArgs>();
  CLI::App* sub = app.add_subcommand(
      "pull", "Download a model into the models directory without running it");
  sub->add_option("MODEL", args->model,
                  "litert-community/NAME (pre-converted) or Qwen/NAME, google/NAME (checkpoint)")
      ->required();
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return RunPull(*args); }};
}

Command RegisterListCommand(CLI::App& app) {
  auto args = std::make_shared<ModelArgs>();
  CLI::App* sub = app.add_subcommand("list", "List the models in the models directory with sizes");
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return RunList(*args); }};
}

Command RegisterRmCommand(CLI::App& app) {
  auto args = std::make_shared<ModelArgs>();
  CLI::App* sub = app.add_subcommand("rm", "Delete every file of a model from the models directory");
  sub->add_option("MODEL", args->model, "ORG/NAME, or a path inside the models directory")
      ->required();
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return RunRemove(*args); }};
}

}  // namespace litertlm::cli
