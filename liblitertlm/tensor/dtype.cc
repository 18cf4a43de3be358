#include "tensor/dtype.h"

namespace litertlm {
namespace {

// Indexed by the DType number (dtype.h); "unknown" for a number no format has.
constexpr NumberFormat kFormats[] = {
    {.name = "f32", .bits = 32, .matrix = true},
    {.name = "f16", .bits = 16, .matrix = true, .packable = true},
    {.name = "bf16", .bits = 16, .matrix = true, .packable = true},
    {.name = "i8", .bits = 8, .quantized = true, .scale_per_row = true, .matrix = true, .packable = true,
     .row_sums = true},
    {.name = "i4_block32", .bits = 4, .quantized = true, .scale_block = 32, .row_group = 128, .matrix = true,
     .packable = true},
    {.name = "i4_block128", .bits = 4, .quantized = true, .scale_block = 128, .row_group = 128,
     .matrix = true, .packable = true},
    {.name = "i32", .bits = 32},
    {.name = "i64", .bits = 64},
    {.name = "f64", .bits = 64},
};
constexpr NumberFormat kUnknown = {.name = "unknown"};
constexpr DType kAllDTypes[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kI4Block32,
                                DType::kI4Block128, DType::kI32, DType::kI64, DType::kF64};

static_assert(sizeof(kAllDTypes) / sizeof(kAllDTypes[0]) == sizeof(kFormats) / sizeof(kFormats[0]),
              "one NumberFormat per DType, in DType order");

}  // namespace

const NumberFormat& NumberFormatOf(DType t) {
  const auto i = static_cast<size_t>(t);
  return i < sizeof(kFormats) / sizeof(kFormats[0]) ? kFormats[i] : kUnknown;
}

std::span<const DType> AllDTypes() { return kAllDTypes; }

}  // namespace litertlm
