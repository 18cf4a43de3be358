// The --quantize and --format names and the default validation thresholds (public API, litertlm/converter.h).
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

constexpr std::array<std::pair<std::string_view, FileFormat>, 3> kFormats = {{
    {"auto", FileFormat::kAuto},
    {"tflite", FileFormat::kTflite},
    {"liblitertlm", FileFormat::kLiblitertlm},
}};

}  // namespace

StatusOr<FileFormat> ParseFileFormat(std::string_view name) {
  for (const auto& [text, value] : kFormats) {
    if (text == name) return value;
  }
  return InvalidArgumentError("unknown format '" + std::string(name) + "'; valid: auto (default), tflite, liblitertlm");
}

std::string FileFormatName(FileFormat format) {
  for (const auto& [text, value] : kFormats) {
    if (value == format) return std::string(text);
  }
  return "unknown";
}

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

// Thresholds on top-1 agreement with the fp32 source over the validation prompts. They are set to
// catch broken conversions (wrong layout, wrong tensor, bad scales give agreement near chance,
// < 5 %) without rejecting correct ones. Measured (benchmarks/RESULTS.md, "Conversion"): on the
// tiny random fixtures, whose next-token distributions are nearly flat so any rounding flips
// near-ties, fp16 99.7–100 %, int8 / dynamic_int8 92.7–96.2 %, int4 55–78 %; the real Gemma 3
// 270M: fp16 99.7 %, int8 and dynamic_int8 96.5 % (dynamic_int8 multiplies with 16-bit
// activations; with 8-bit ones it was 92.0 %), int4 73–75 %. These are the formats' own ceilings
// (an independent fake-quant simulation gives the same: tests/golden/quant_ceiling/MANIFEST.md).
// Defaults: the fixtures' worst case minus a margin. TFLite files are validated as our engine runs
// them by default (int8 weights with 16-bit activations): the same 92.7–96.2 % on the fixtures.
// TFLite int4 files (8-bit activations, as Google's runtime; with --int4-embedding Google's
// all-int4 recipe): fixtures
// 55.9–79.9 % (block 32) and 56.3–76.7 % (block 128), so the same 0.5. TFLite fp16 files:
// fixtures 99.65–100 %, the real Gemma 3 270M 99.65 %: 0.98.
double DefaultMinAgreement(Quantization quantization) {
  switch (quantization) {
    case Quantization::kFp32:
      return 0.999;
    case Quantization::kFp16:
      return 0.98;
    case Quantization::kDynamicInt8:
    case Quantization::kInt8:
      return 0.90;
    case Quantization::kDynamicInt4Block32:
    case Quantization::kDynamicInt4Block128:
      return 0.5;
  }
  return 0.85;
}

}  // namespace litertlm
