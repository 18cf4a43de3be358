#include "format/weights_layout.h"

#include <cstring>
#include <string>

#include "tensor/tensor_view.h"
#include "util/text_list.h"

namespace litertlm::format {
namespace {

void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t GetU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

void EncodeWeightsHeader(const WeightsHeader& header, uint8_t out[kWeightsHeaderSize]) {
  std::memset(out, 0, kWeightsHeaderSize);
  std::memcpy(out, kWeightsMagic.data(), kWeightsMagic.size());
  PutU32(out + 8, header.format_version);
  PutU64(out + 16, header.table_offset);
  PutU64(out + 24, header.table_size);
}

StatusOr<WeightsHeader> DecodeWeightsHeader(std::span<const uint8_t> section,
                                            std::string_view where) {
  std::string prefix(where);
  if (section.size() < kWeightsHeaderSize) {
    return DataLossError(prefix + ": weights section is " + std::to_string(section.size()) +
                         " bytes, shorter than its " + std::to_string(kWeightsHeaderSize) +
                         "-byte header");
  }
  if (std::memcmp(section.data(), kWeightsMagic.data(), kWeightsMagic.size()) != 0) {
    return DataLossError(prefix + ": weights section does not start with magic '" +
                         std::string(kWeightsMagic) + "'");
  }
  WeightsHeader header;
  header.format_version = GetU32(section.data() + 8);
  header.table_offset = GetU64(section.data() + 16);
  header.table_size = GetU64(section.data() + 24);
  if (header.format_version < kMinWeightsFormatVersion ||
      header.format_version > kWeightsFormatVersion) {
    return UnimplementedError(prefix + ": unsupported weights format version " +
                              std::to_string(header.format_version) + " (this build reads " +
                              std::to_string(kMinWeightsFormatVersion) + " to " +
                              std::to_string(kWeightsFormatVersion) + ")");
  }
  return header;
}

namespace {

// Inputs per scale: the row for per-row scales, else the block.
int64_t ScalesPerRowDivisor(const NumberFormat& format, int64_t cols) {
  return format.scale_per_row ? cols : format.scale_block;
}

// "f16, bf16, i8, i4_block32 and i4_block128", for messages.
std::string PackableFormatNames() {
  std::vector<std::string_view> names;
  for (DType d : AllDTypes()) {
    const NumberFormat& f = NumberFormatOf(d);
    if (f.packable) names.push_back(f.name);
  }
  return JoinWithAnd(names);
}

}  // namespace

bool IsKnownDType(uint8_t dtype) { return dtype <= static_cast<uint8_t>(DType::kI64); }

StatusOr<TensorByteSizes> ComputeTensorByteSizes(DType dtype, std::span<const int64_t> shape,
                                                 std::string_view name, TensorLayout layout) {
  auto fail = [&](const std::string& why) {
    return InvalidArgumentError("tensor '" + std::string(name) + "' (" + std::string(DTypeName(dtype)) +
                                ", shape " +
                                ShapeToString(std::vector<int64_t>(shape.begin(), shape.end())) +
                                "): " + why);
  };
  int64_t elements = 1;
  for (int64_t d : shape) {
    if (d < 1) return fail("every dimension must be >= 1");
    if (d > kMaxTensorElements || elements > kMaxTensorElements / d) {
      return fail("more than 2^40 elements");
    }
    elements *= d;
  }
  TensorByteSizes sizes;
  const NumberFormat& format = NumberFormatOf(dtype);
  if (layout == TensorLayout::kPacked4x64) {
    if (shape.size() != 2) return fail("a packed tensor must be a matrix (rank 2)");
    if (!format.packable) return fail("only " + PackableFormatNames() + " matrices can be packed");
    const uint64_t rows = static_cast<uint64_t>(shape[0] + 3) / 4 * 4;
    const uint64_t cols = static_cast<uint64_t>(shape[1]);
    if (cols % static_cast<uint64_t>(format.row_group) != 0) {
      return fail("a packed " + std::string(format.name) + " matrix needs a last dimension multiple of " +
                  std::to_string(format.row_group));
    }
    const uint64_t row_bytes = cols * static_cast<uint64_t>(format.bits) / 8;
    sizes.data = rows * ((row_bytes + 63) / 64) * 64;
    if (format.quantized) sizes.scales = rows * (cols / static_cast<uint64_t>(ScalesPerRowDivisor(format, cols))) * 4;
    if (format.row_sums) sizes.row_sums = rows * 4;
    return sizes;
  }
  if (layout != TensorLayout::kRowMajor) {
    return fail("unknown layout number " + std::to_string(static_cast<int>(layout)));
  }
  if (format.quantized) {
    if (shape.empty()) return fail("a quantized tensor needs rank >= 1");
    const int64_t cols = shape.back();
    const int64_t rows = elements / cols;
    if (format.scale_block > 0 && cols % format.scale_block != 0) {
      return fail("last dimension must be a multiple of the block size " + std::to_string(format.scale_block));
    }
    sizes.data = static_cast<uint64_t>(elements) * static_cast<uint64_t>(format.bits) / 8;
    sizes.scales = static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols / ScalesPerRowDivisor(format, cols)) * 4;
    return sizes;
  }
  const size_t element_size = DTypeSize(dtype);
  if (element_size == 0) return fail("unknown dtype number " + std::to_string(static_cast<int>(dtype)));
  sizes.data = static_cast<uint64_t>(elements) * element_size;
  return sizes;
}

}  // namespace litertlm::format
