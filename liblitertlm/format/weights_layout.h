// Layout of liblitertlm's weights section (WEIGHTS_FORMAT.md): a 64-byte section header, the
// tensor data (each tensor's data and scales 64-byte aligned), then a FlatBuffer tensor table
// (weights_table.fbs). Shared by the writer and the reader so both compute sizes identically.
#ifndef LITERTLM_FORMAT_WEIGHTS_LAYOUT_H_
#define LITERTLM_FORMAT_WEIGHTS_LAYOUT_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "litertlm/status.h"
#include "tensor/dtype.h"

namespace litertlm::format {

inline constexpr std::string_view kWeightsMagic = "LTLMWGTS";  // bytes 0..7 of the section
// Version 2 added TensorEntry.layout / row_sums_* (packed matrices); version 1 files are still
// read (every tensor row-major). The writer always writes kWeightsFormatVersion.
inline constexpr uint32_t kWeightsFormatVersion = 2;
inline constexpr uint32_t kMinWeightsFormatVersion = 1;
inline constexpr uint64_t kWeightsHeaderSize = 64;
inline constexpr uint64_t kTensorAlignment = 64;  // data, scales and the table
// Largest tensor element count accepted (keeps every size computation far from overflow).
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 40;

// The section header, decoded. Offsets are relative to the section begin.
struct WeightsHeader {
  uint32_t format_version = kWeightsFormatVersion;
  uint64_t table_offset = 0;
  uint64_t table_size = 0;
};

void EncodeWeightsHeader(const WeightsHeader& header, uint8_t out[kWeightsHeaderSize]);
// Fails (DATA_LOSS / UNIMPLEMENTED) when the magic is wrong or the version is unsupported;
// `where` prefixes messages.
StatusOr<WeightsHeader> DecodeWeightsHeader(std::span<const uint8_t> section,
                                            std::string_view where);

// Byte sizes a tensor of this dtype and shape must have.
struct TensorByteSizes {
  uint64_t data = 0;
  uint64_t scales = 0;    // fp32 scales; 0 for unquantized dtypes
  uint64_t row_sums = 0;  // int32 row sums; kI8 packed only
};
// Rules: every dim >= 1; kI8 has one scale per row (rows = product of all dims but the last);
// kI4Block{32,128} pack two values per byte (low nibble = even column) with one scale per block
// of 32/128 along the last dim, which must be a multiple of the block. Quantized dtypes need
// rank >= 1. Errors are INVALID_ARGUMENT naming `name`.
// kPacked4x64 (shape [N, K], dtype kI8 / kI4Block* / kF16 / kBF16; int4 needs K % 128 == 0): with
// R = ceil(N/4)·4 and C = ceil(row bytes / 64): data R·C·64; scales kI8 R floats, kI4Block* R·K/B
// floats; row_sums kI8 R int32.
StatusOr<TensorByteSizes> ComputeTensorByteSizes(DType dtype, std::span<const int64_t> shape,
                                                 std::string_view name,
                                                 TensorLayout layout = TensorLayout::kRowMajor);
// True for numbers that are DType enumerators.
bool IsKnownDType(uint8_t dtype);

inline uint64_t AlignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_WEIGHTS_LAYOUT_H_
