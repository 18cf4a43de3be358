// WeightSource over one weights section (WEIGHTS_FORMAT.md) of a file that need not be a complete
// .litertlm yet: the converter validates the weights it just wrote in the writer's temporary
// file (LitertlmWriter::temp_path / last_section_range) before the header exists. The file is
// mmap'd read-only and the section parsed by WeightsIndex (every check a loader relies on).
// Views stay valid for the life of the source. Immutable; thread-safe.
#ifndef LITERTLM_FORMAT_MAPPED_WEIGHTS_SOURCE_H_
#define LITERTLM_FORMAT_MAPPED_WEIGHTS_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "format/weight_source.h"
#include "format/weights_index.h"
#include "litertlm/status.h"
#include "util/mapped_file.h"

namespace litertlm::format {

class MappedWeightsSource : public WeightSource {
 public:
  // Maps `path` and parses the weights section at file offsets [begin, end). Errors name the
  // file (OUT_OF_RANGE when the range is outside it).
  static StatusOr<std::unique_ptr<MappedWeightsSource>> Open(const std::string& path,
                                                             uint64_t begin, uint64_t end);

  std::vector<std::string> TensorNames() const override { return index_.names(); }
  bool HasTensor(const std::string& name) const override;
  StatusOr<TensorView> Tensor(const std::string& name) const override;
  const std::string& origin() const override { return file_.path(); }

 private:
  MappedWeightsSource(MappedFile file, WeightsIndex index)
      : file_(std::move(file)), index_(std::move(index)) {}
  MappedFile file_;
  WeightsIndex index_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_MAPPED_WEIGHTS_SOURCE_H_
