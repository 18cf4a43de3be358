// The --quantize names and their default validation thresholds (public API, litertlm/converter.h).
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "litertlm/converter.h"

namespace litertlm {
namespace {

constexpr std::array<std::pair<std::string_view, Quantization>, 6> kNames = {{
    {"dynamic_int8", Quantization::kDynamicInt8},
    {"int8", Quantization::kInt8},
    {"dynamic_int4_block32", Quantization::kDynamicInt4Block32},
    {"dynamic_int4_block128", Quantization::kDynamicInt4Block128},
    {"fp16", Quantization::kFp16},
    {"fp32", Quantization::kFp32},
}};

}  // namespace

StatusOr<Quantization> ParseQuantization(std::string_view name) {
  for (const auto& [text, value] : kNames) {
    if (text == name) return value;
  }
  return InvalidArgumentError("unknown quantization '" + std::string(name) +
                              "'; valid: dynamic_int8 (default), int8, dynamic_int4_block32, "
                              "dynamic_int4_block128, fp16, fp32");
}

std::string QuantizationName(Quantization quantization) {
  for (const auto& [text, value] : kNames) {
    if (value == quantization) return std::string(text);
  }
  return "unknown";
}

// Thresholds on top-1 agreement with the fp32 source over the validation prompts. They sit below
// what the test fixtures and the 0.6B-shaped random checkpoint measure (benchmarks/RESULTS.md,
// "Conversion"), leaving room for real models whose logit margins differ:
// fp32 is exact up to summation order; fp16 rounds weights to 11 bits; int8 per-channel keeps
// ≈ 98–100 % on the fixtures; int4 loses more on near-tied random logits.
double DefaultMinAgreement(Quantization quantization) {
  switch (quantization) {
    case Quantization::kFp32:
      return 0.999;
    case Quantization::kFp16:
      return 0.99;
    case Quantization::kDynamicInt8:
    case Quantization::kInt8:
      return 0.95;
    case Quantization::kDynamicInt4Block32:
    case Quantization::kDynamicInt4Block128:
      return 0.85;
  }
  return 0.95;
}

}  // namespace litertlm
