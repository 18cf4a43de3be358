#include <array>
#include <string>

#include "model/arch.h"

namespace litertlm {
namespace {

constexpr std::array<ArchSpec, 3> kArchSpecs = {{
    {"Qwen3ForCausalLM", Arch::kQwen3, &ParseQwen3Config},
    {"Gemma3ForCausalLM", Arch::kGemma3, &ParseGemma3Config},
    {"LlamaForCausalLM", Arch::kLlama, &ParseLlamaConfig},
}};

}  // namespace

const ArchSpec* FindArchSpec(std::string_view hf_name) {
  for (const ArchSpec& spec : kArchSpecs) {
    if (spec.hf_name == hf_name) return &spec;
  }
  return nullptr;
}

std::string SupportedArchitectures() {
  std::string out;
  for (const ArchSpec& spec : kArchSpecs) {
    if (!out.empty()) out += ", ";
    out += spec.hf_name;
  }
  return out;
}

}  // namespace litertlm
