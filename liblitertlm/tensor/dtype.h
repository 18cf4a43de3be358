// Element types of stored tensors. Numbers are stable: they are written into .litertlm files.
#ifndef LITERTLM_TENSOR_DTYPE_H_
#define LITERTLM_TENSOR_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

namespace litertlm {

enum class DType : uint8_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kI8 = 3,           // int8, symmetric, one fp32 scale per row (output channel)
  kI4Block32 = 4,    // int4, symmetric, one scale per 32 inputs along the row
  kI4Block128 = 5,   // int4, symmetric, one scale per 128 inputs along the row
  kI32 = 6,
  kI64 = 7,
  kF64 = 8,
};

// How a matrix's bytes are arranged (kernels/matrix.h, kernels/pack.h, WEIGHTS_FORMAT.md):
// kRowMajor = the plain row-major encoding of kernels/quantize.h; kPacked4x64 = the interleaved
// layout the kernels stream. The numbers are stored in .litertlm files and MUST NOT change.
// kInt4Rows16 is an in-memory layout only (int4 matrices are re-laid out into it at load, see
// kernels/pack.h); it is never written to a file and readers reject it.
enum class TensorLayout : uint8_t {
  kRowMajor = 0,
  kPacked4x64 = 1,
  kInt4Rows16 = 2,
};

// The facts about one number format, one row per DType (kNumberFormats below): what the quantizer and
// packing (kernels/), the weights table (format/weights_layout.cc), the converter and the loader
// read instead of restating them. A new format is a row here plus its kernels.
struct NumberFormat {
  std::string_view name;  // "i4_block32": messages and dumps
  int bits = 0;           // bits per stored element
  // Integers with float scales: a matrix in this format needs its scales.
  bool quantized = false;
  bool scale_per_row = false;  // one scale per row (output channel): kI8
  int64_t scale_block = 0;     // inputs per scale along a row (int4); 0 = not block-scaled
  // A matrix's row length must be a multiple of this to be stored in the format (the int4 byte
  // order is defined per group of 128 inputs whatever the scale block: kernels/quantize.h).
  int64_t row_group = 1;
  bool matrix = false;    // a kernels Matrix can hold it (Linear reads it)
  bool packable = false;  // PackMatrix lays it out kPacked4x64, the layout the kernels stream
  bool row_sums = false;  // packed with one int32 sum per row (the int8 kernels' activation offset)
};

// The table, indexed by the DType number (in the header so that the kernels' per-chunk lookups
// inline); NumberFormatOf gives kUnknownNumberFormat ("unknown") for a number no format has.
inline constexpr NumberFormat kNumberFormats[] = {
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
inline constexpr NumberFormat kUnknownNumberFormat = {.name = "unknown"};
inline constexpr DType kAllDTypes[] = {DType::kF32,        DType::kF16, DType::kBF16,
                                       DType::kI8,         DType::kI4Block32, DType::kI4Block128,
                                       DType::kI32,        DType::kI64, DType::kF64};

static_assert(std::size(kAllDTypes) == std::size(kNumberFormats),
              "one NumberFormat per DType, in DType order");

inline const NumberFormat& NumberFormatOf(DType t) {
  const auto i = static_cast<size_t>(t);
  return i < std::size(kNumberFormats) ? kNumberFormats[i] : kUnknownNumberFormat;
}
// Every DType, in number order (to search the table: the int4 formats, the packable ones).
inline std::span<const DType> AllDTypes() { return kAllDTypes; }

inline std::string_view DTypeName(DType t) { return NumberFormatOf(t).name; }
// Bytes per element for the plain types; 0 for the sub-byte (int4) ones.
inline size_t DTypeSize(DType t) {
  const int bits = NumberFormatOf(t).bits;
  return bits % 8 == 0 ? static_cast<size_t>(bits / 8) : 0;
}
// int4 with block scales (kI4Block32, kI4Block128).
inline bool IsInt4(DType t) { return NumberFormatOf(t).bits == 4; }

}  // namespace litertlm

#endif  // LITERTLM_TENSOR_DTYPE_H_
