// The validated tensor table of a weights section (WEIGHTS_FORMAT.md), as zero-copy views into
// the section's bytes. Parse() checks everything a loader relies on: magic/version, table bounds,
// FlatBuffer verification, known dtypes, sizes = dtype × shape, 64-byte alignment, ranges inside
// the data region, no overlaps, unique non-empty names.
//
// The views point into the bytes given to Parse(); the caller keeps them alive (the reader owns
// the mapping). Immutable after Parse(); const methods are thread-safe.
#ifndef LITERTLM_FORMAT_WEIGHTS_INDEX_H_
#define LITERTLM_FORMAT_WEIGHTS_INDEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "litertlm/status.h"
#include "tensor/tensor_view.h"

namespace litertlm::format {

class WeightsIndex {
 public:
  // `section` is the whole weights section; `section_file_offset` its absolute begin in the file
  // (must be a multiple of 64); `where` prefixes error messages (e.g. the file path).
  static StatusOr<WeightsIndex> Parse(std::span<const uint8_t> section,
                                      uint64_t section_file_offset, std::string_view where);

  // Names in table order.
  const std::vector<std::string>& names() const { return names_; }
  // nullptr when absent.
  const TensorView* Find(std::string_view name) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, TensorView> tensors_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_WEIGHTS_INDEX_H_
