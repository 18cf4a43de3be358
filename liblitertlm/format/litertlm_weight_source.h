// WeightSource over the weights section of a .litertlm file: zero-copy TensorViews (with scales
// for quantized dtypes) pointing into the reader's memory map. Keeps the reader alive, so views
// stay valid for the life of the source. Immutable; thread-safe.
#ifndef LITERTLM_FORMAT_LITERTLM_WEIGHT_SOURCE_H_
#define LITERTLM_FORMAT_LITERTLM_WEIGHT_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "format/litertlm_reader.h"
#include "format/weight_source.h"

namespace litertlm::format {

class LitertlmWeightSource : public WeightSource {
 public:
  // Fails with FAILED_PRECONDITION (naming the file) when the file has no weights section.
  static StatusOr<std::unique_ptr<LitertlmWeightSource>> Create(
      std::shared_ptr<const LitertlmReader> reader);
  // Opens and fully validates `path` (all model sections required).
  static StatusOr<std::unique_ptr<LitertlmWeightSource>> Open(const std::string& path);

  std::vector<std::string> TensorNames() const override;
  bool HasTensor(const std::string& name) const override;
  StatusOr<TensorView> Tensor(const std::string& name) const override;
  const std::string& origin() const override { return reader_->origin(); }
  // Drops the resident pages of the tensor's data, scales and row sums (LitertlmReader::DropPages):
  // the loader calls it once it has made its own copy (e.g. int4 re-laid out at load).
  void DropPages(const std::string& name) const override;

  const LitertlmReader& reader() const { return *reader_; }

 private:
  explicit LitertlmWeightSource(std::shared_ptr<const LitertlmReader> reader)
      : reader_(std::move(reader)) {}
  std::shared_ptr<const LitertlmReader> reader_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LITERTLM_WEIGHT_SOURCE_H_
