// libFuzzer target: the .litertlm reader must reject or accept any byte string without crashing,
// leaking or reading out of bounds, and everything an accepted file exposes must be readable.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "format/executor_metadata.h"
#include "format/litertlm_reader.h"
#include "format/llm_metadata.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace litertlm::format;
  for (bool strict : {false, true}) {
    ReaderOptions options;
    options.require_model_sections = strict;
    auto reader = LitertlmReader::OpenBuffer(std::span<const uint8_t>(data, size), "fuzz", options);
    if (!reader.ok()) continue;
    const LitertlmReader& r = **reader;
    volatile uint64_t sink = 0;
    for (const SectionInfo& s : r.sections()) {
      auto bytes = r.SectionBytes(s);
      if (!bytes.empty()) sink = sink + bytes.front() + bytes.back();
      for (const KeyValue& kv : s.items) sink = sink + MetadataValueToString(kv.value).size();
    }
    if (r.metadata() != nullptr) sink = sink + r.metadata()->ByteSizeLong();
    if (r.executor_metadata() != nullptr) sink = sink + ExecutorMetadataSummary(*r.executor_metadata()).size();
    if (auto config = r.hf_config_json()) sink = sink + config->size();
    if (r.tokenizer_kind() != TokenizerKind::kNone) {
      auto tok = r.TokenizerBytes();
      if (tok.ok()) sink = sink + tok->size();
    }
    if (const WeightsIndex* w = r.weights()) {
      for (const std::string& name : w->names()) {
        const litertlm::TensorView* t = w->Find(name);
        if (!t->data.empty()) sink = sink + t->data.front() + t->data.back();
        if (!t->scales.empty()) sink = sink + static_cast<uint64_t>(t->scales.back() != 0.0f);
        if (!t->row_sums.empty()) sink = sink + static_cast<uint64_t>(t->row_sums.back());
      }
    }
  }
  return 0;
}
