#include "format/mapped_weights_source.h"

#include <span>
#include <utility>

#include "util/status_macros.h"

namespace litertlm::format {

StatusOr<std::unique_ptr<MappedWeightsSource>> MappedWeightsSource::Open(const std::string& path,
                                                                         uint64_t begin,
                                                                         uint64_t end) {
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  if (begin > end || end > file.size()) {
    return OutOfRangeError(path + ": weights section [" + std::to_string(begin) + ", " +
                           std::to_string(end) + ") is outside the file (" +
                           std::to_string(file.size()) + " bytes)");
  }
  std::span<const uint8_t> section = file.bytes().subspan(begin, end - begin);
  ASSIGN_OR_RETURN(WeightsIndex index, WeightsIndex::Parse(section, begin, path));
  // The views point into the mapping, which moves with `file` (the address does not change).
  return std::unique_ptr<MappedWeightsSource>(
      new MappedWeightsSource(std::move(file), std::move(index)));
}

bool MappedWeightsSource::HasTensor(const std::string& name) const {
  return index_.Find(name) != nullptr;
}

StatusOr<TensorView> MappedWeightsSource::Tensor(const std::string& name) const {
  const TensorView* view = index_.Find(name);
  if (view == nullptr) return NotFoundError(file_.path() + ": no tensor named '" + name + "'");
  return *view;
}

}  // namespace litertlm::format
