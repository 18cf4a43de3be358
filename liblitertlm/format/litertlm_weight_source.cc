#include "format/litertlm_weight_source.h"

#include <span>
#include <utility>

#include "util/status_macros.h"

namespace litertlm::format {

StatusOr<std::unique_ptr<LitertlmWeightSource>> LitertlmWeightSource::Create(
    std::shared_ptr<const LitertlmReader> reader) {
  if (reader == nullptr) return InvalidArgumentError("LitertlmWeightSource: null reader");
  if (reader->weights() == nullptr) {
    return FailedPreconditionError(reader->origin() + ": has no liblitertlm weights section");
  }
  return std::unique_ptr<LitertlmWeightSource>(new LitertlmWeightSource(std::move(reader)));
}

StatusOr<std::unique_ptr<LitertlmWeightSource>> LitertlmWeightSource::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<LitertlmReader> reader, LitertlmReader::Open(path));
  return Create(std::shared_ptr<const LitertlmReader>(std::move(reader)));
}

std::vector<std::string> LitertlmWeightSource::TensorNames() const {
  return reader_->weights()->names();
}

bool LitertlmWeightSource::HasTensor(const std::string& name) const {
  return reader_->weights()->Find(name) != nullptr;
}

StatusOr<TensorView> LitertlmWeightSource::Tensor(const std::string& name) const {
  const TensorView* view = reader_->weights()->Find(name);
  if (view == nullptr) {
    return NotFoundError(reader_->origin() + ": no tensor named '" + name + "'");
  }
  return *view;
}

void LitertlmWeightSource::DropPages(const std::string& name) const {
  const TensorView* view = reader_->weights()->Find(name);
  if (view == nullptr) return;
  auto bytes = [](auto span) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(span.data()), span.size_bytes());
  };
  reader_->DropPages(view->data);
  reader_->DropPages(bytes(view->scales));
  reader_->DropPages(bytes(view->row_sums));
}

}  // namespace litertlm::format
