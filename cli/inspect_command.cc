// `litert-lm-cli inspect FILE`: what is inside a .litertlm file (version, sections, metadata as
// text proto, tensor count, quantization, sizes). The report goes to stdout; errors are one line.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "litertlm/inspect.h"

namespace litertlm::cli {
namespace {

struct InspectArgs {
  std::string file;
};

std::string HumanBytes(uint64_t bytes) {
  char buf[64];
  if (bytes >= (uint64_t{1} << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  } else if (bytes >= (uint64_t{1} << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f KiB", static_cast<double>(bytes) / 1024);
  }
  return buf;
}

void PrintSections(const LitertlmFileInfo& info) {
  std::printf("sections: %zu\n", info.sections.size());
  std::printf("  %-3s %-24s %14s %14s\n", "#", "type", "offset", "size");
  for (size_t i = 0; i < info.sections.size(); ++i) {
    const LitertlmSectionSummary& s = info.sections[i];
    std::printf("  %-3zu %-24s %14llu %14llu", i, s.type.c_str(),
                static_cast<unsigned long long>(s.begin_offset),
                static_cast<unsigned long long>(s.end_offset - s.begin_offset));
    for (const auto& [key, value] : s.items) std::printf("  %s=%s", key.c_str(), value.c_str());
    std::printf("\n");
    if (!s.signatures.empty()) {
      std::printf("      signatures:");
      for (const std::string& key : s.signatures) std::printf(" %s", key.c_str());
      std::printf("\n");
    }
    if (!s.executor_metadata.empty()) std::printf("      %s\n", s.executor_metadata.c_str());
  }
}

void PrintMetadata(const LitertlmFileInfo& info) {
  if (info.metadata_text.empty()) {
    std::printf("metadata: none\n");
    return;
  }
  std::printf("metadata (litert.lm.proto.LlmMetadata):\n");
  size_t start = 0;
  while (start < info.metadata_text.size()) {
    size_t end = info.metadata_text.find('\n', start);
    if (end == std::string::npos) end = info.metadata_text.size();
    std::printf("  %s\n", info.metadata_text.substr(start, end - start).c_str());
    start = end + 1;
  }
}

int Run(const InspectArgs& args) {
  StatusOr<LitertlmFileInfo> info = InspectLitertlmFile(args.file);
  if (!info.ok()) return ReportError(info.status());
  std::printf("file: %s\n", info->path.c_str());
  std::printf("version: %u.%u.%u\n", info->major_version, info->minor_version,
              info->patch_version);
  std::printf("file size: %llu bytes (%s)\n", static_cast<unsigned long long>(info->file_size),
              HumanBytes(info->file_size).c_str());
  std::printf("header: %llu bytes\n", static_cast<unsigned long long>(info->header_end));
  std::printf("system metadata: %zu\n", info->system_metadata.size());
  for (const auto& [key, value] : info->system_metadata) {
    std::printf("  %s = %s\n", key.c_str(), value.c_str());
  }
  PrintSections(*info);
  PrintMetadata(*info);
  std::printf("tokenizer: %s\n", info->tokenizer.c_str());
  std::printf("tensors: %lld\n", static_cast<long long>(info->tensor_count));
  std::printf("quantization:\n");
  for (const DTypeSummary& d : info->dtypes) {
    std::printf("  %-12s %6lld tensors %14lld elements %14llu bytes (%s)\n", d.dtype.c_str(),
                static_cast<long long>(d.tensors), static_cast<long long>(d.elements),
                static_cast<unsigned long long>(d.bytes), HumanBytes(d.bytes).c_str());
  }
  std::printf("total tensor size: %llu bytes (%s)\n",
              static_cast<unsigned long long>(info->tensor_bytes),
              HumanBytes(info->tensor_bytes).c_str());
  return 0;
}

}  // namespace

Command RegisterInspectCommand(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand("inspect", "Show what is inside a .litertlm file");
  sub->add_option("FILE", args->file, ".litertlm file")->required();
  return {sub, [args] { return Run(*args); }};
}

}  // namespace litertlm::cli
