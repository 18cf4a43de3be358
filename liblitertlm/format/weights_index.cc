#include "format/weights_index.h"

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"
#include "format/weights_layout.h"
#include "format/weights_table_generated.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

inline constexpr size_t kMaxRank = 8;

struct ByteRange {
  uint64_t begin;
  uint64_t end;
  const std::string* tensor;
  const char* what;
};

// Checks [offset, offset+size) lies inside [region_begin, region_end) and is aligned.
Status CheckRange(uint64_t offset, uint64_t size, uint64_t region_begin, uint64_t region_end,
                  const std::string& where, const char* what) {
  if (offset % kTensorAlignment != 0) {
    return DataLossError(where + ": " + what + " offset " + std::to_string(offset) +
                         " is not a multiple of " + std::to_string(kTensorAlignment));
  }
  if (offset < region_begin || offset > region_end || size > region_end - offset) {
    return DataLossError(where + ": " + what + " [" + std::to_string(offset) + ", +" +
                         std::to_string(size) + ") is outside the tensor data region [" +
                         std::to_string(region_begin) + ", " + std::to_string(region_end) + ")");
  }
  return Status::Ok();
}

}  // namespace

const TensorView* WeightsIndex::Find(std::string_view name) const {
  auto it = tensors_.find(absl::string_view(name.data(), name.size()));
  return it == tensors_.end() ? nullptr : &it->second;
}

StatusOr<WeightsIndex> WeightsIndex::Parse(std::span<const uint8_t> section,
                                           uint64_t section_file_offset, std::string_view where) {
  const std::string prefix = std::string(where) + ": weights";
  if (section_file_offset % kTensorAlignment != 0) {
    return DataLossError(prefix + " section begins at file offset " +
                         std::to_string(section_file_offset) + ", not a multiple of " +
                         std::to_string(kTensorAlignment));
  }
  ASSIGN_OR_RETURN(WeightsHeader header, DecodeWeightsHeader(section, where));
  const uint64_t size = section.size();
  if (header.table_offset < kWeightsHeaderSize || header.table_offset % kTensorAlignment != 0 ||
      header.table_offset > size || header.table_size > size - header.table_offset) {
    return DataLossError(prefix + ": tensor table [" + std::to_string(header.table_offset) + ", +" +
                         std::to_string(header.table_size) + ") is misaligned or outside the " +
                         std::to_string(size) + "-byte section");
  }
  const uint8_t* table_bytes = section.data() + header.table_offset;
  flatbuffers::Verifier verifier(table_bytes, header.table_size);
  if (!::litertlm::weights::VerifyWeightsTableBuffer(verifier)) {
    return DataLossError(prefix + ": tensor table fails FlatBuffer verification");
  }
  const auto* table = ::litertlm::weights::GetWeightsTable(table_bytes);
  WeightsIndex index;
  std::vector<ByteRange> ranges;
  index.names_.reserve(table->tensors()->size());
  for (const auto* entry : *table->tensors()) {
    std::string name = entry->name()->str();
    const std::string tensor_where = prefix + ": tensor '" + name + "'";
    if (name.empty()) return DataLossError(prefix + ": tensor with an empty name");
    if (index.tensors_.contains(name)) return DataLossError(tensor_where + " appears twice");
    if (!IsKnownDType(entry->dtype())) {
      return DataLossError(tensor_where + ": unknown dtype number " +
                           std::to_string(entry->dtype()));
    }
    // The Verifier checks a vector's 4-byte length prefix, not 8-byte alignment of its elements.
    // An empty shape (a scalar) reads no element, so its alignment does not matter.
    if (entry->shape()->size() > 0 &&
        reinterpret_cast<uintptr_t>(entry->shape()->data()) % alignof(int64_t) != 0) {
      return DataLossError(tensor_where + ": shape vector is not 8-byte aligned");
    }
    if (entry->shape()->size() > kMaxRank) {
      return DataLossError(tensor_where + ": rank " + std::to_string(entry->shape()->size()) +
                           " exceeds " + std::to_string(kMaxRank));
    }
    TensorView view;
    view.dtype = static_cast<DType>(entry->dtype());
    view.shape.assign(entry->shape()->begin(), entry->shape()->end());
    if (entry->layout() > static_cast<uint8_t>(TensorLayout::kPacked4x64) ||
        (header.format_version < 2 && entry->layout() != 0)) {
      return DataLossError(tensor_where + ": unknown layout number " +
                           std::to_string(entry->layout()) + " for weights format version " +
                           std::to_string(header.format_version));
    }
    view.layout = static_cast<TensorLayout>(entry->layout());
    auto expected = ComputeTensorByteSizes(view.dtype, view.shape, name, view.layout);
    if (!expected.ok()) return DataLossError(prefix + ": " + expected.status().message());
    if (entry->data_size() != expected->data || entry->scales_size() != expected->scales ||
        entry->row_sums_size() != expected->row_sums) {
      return DataLossError(tensor_where + " (" + std::string(DTypeName(view.dtype)) + ", shape " +
                           ShapeToString(view.shape) + "): stored sizes data=" +
                           std::to_string(entry->data_size()) +
                           " scales=" + std::to_string(entry->scales_size()) +
                           " row_sums=" + std::to_string(entry->row_sums_size()) +
                           " but dtype × shape × layout needs data=" +
                           std::to_string(expected->data) +
                           " scales=" + std::to_string(expected->scales) +
                           " row_sums=" + std::to_string(expected->row_sums));
    }
    RETURN_IF_ERROR(CheckRange(entry->data_offset(), entry->data_size(), kWeightsHeaderSize,
                               header.table_offset, tensor_where, "data"));
    view.data = section.subspan(entry->data_offset(), entry->data_size());
    if (expected->scales > 0) {
      RETURN_IF_ERROR(CheckRange(entry->scales_offset(), entry->scales_size(), kWeightsHeaderSize,
                                 header.table_offset, tensor_where, "scales"));
      const uint8_t* p = section.data() + entry->scales_offset();
      if (reinterpret_cast<uintptr_t>(p) % alignof(float) != 0) {
        return DataLossError(tensor_where + ": scales are not float-aligned in memory");
      }
      view.scales = {reinterpret_cast<const float*>(p), expected->scales / sizeof(float)};
    } else if (entry->scales_offset() != 0) {
      return DataLossError(tensor_where + ": unquantized tensor has a scales offset");
    }
    if (expected->row_sums > 0) {
      RETURN_IF_ERROR(CheckRange(entry->row_sums_offset(), entry->row_sums_size(),
                                 kWeightsHeaderSize, header.table_offset, tensor_where, "row_sums"));
      const uint8_t* p = section.data() + entry->row_sums_offset();
      if (reinterpret_cast<uintptr_t>(p) % alignof(int32_t) != 0) {
        return DataLossError(tensor_where + ": row_sums are not int32-aligned in memory");
      }
      view.row_sums = {reinterpret_cast<const int32_t*>(p), expected->row_sums / sizeof(int32_t)};
    } else if (entry->row_sums_offset() != 0) {
      return DataLossError(tensor_where + ": a tensor without row sums has a row_sums offset");
    }
    index.names_.push_back(name);  // reserved above: element addresses stay stable
    const std::string* stable_name = &index.names_.back();
    index.tensors_.emplace(std::move(name), std::move(view));
    ranges.push_back({entry->data_offset(), entry->data_offset() + entry->data_size(), stable_name,
                      "data"});
    if (expected->scales > 0) {
      ranges.push_back({entry->scales_offset(), entry->scales_offset() + entry->scales_size(),
                        stable_name, "scales"});
    }
    if (expected->row_sums > 0) {
      ranges.push_back({entry->row_sums_offset(),
                        entry->row_sums_offset() + entry->row_sums_size(), stable_name,
                        "row_sums"});
    }
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  const ByteRange* last = nullptr;
  for (const ByteRange& r : ranges) {
    if (r.begin == r.end) continue;
    if (last != nullptr && r.begin < last->end) {
      return DataLossError(prefix + ": " + r.what + " of tensor '" + *r.tensor + "' overlaps " +
                           last->what + " of tensor '" + *last->tensor + "'");
    }
    if (last == nullptr || r.end > last->end) last = &r;
  }
  return index;
}

}  // namespace litertlm::format
