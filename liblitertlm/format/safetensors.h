// Safetensors files (Hugging Face): an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the tensor bytes. Files are mmap'd; TensorViews
// point into the mapping (zero-copy).
#ifndef LITERTLM_FORMAT_SAFETENSORS_H_
#define LITERTLM_FORMAT_SAFETENSORS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "format/weight_source.h"
#include "litertlm/status.h"
#include "tensor/tensor_view.h"
#include "util/mapped_file.h"

namespace litertlm {

class SafetensorsFile {
 public:
  // Maps and validates the whole header: header length within the file, every tensor's dtype
  // known, shape non-negative, offsets inside the data region and equal to dtype × shape, no two
  // tensors sharing bytes.
  // Errors name the file and the tensor.
  static StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  // See MappedFile::DropPages.
  void DropPages(std::span<const uint8_t> range) const { file_.DropPages(range); }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  explicit SafetensorsFile(MappedFile file) : file_(std::move(file)) {}
  Status ParseHeader();
  Status CheckNoOverlap() const;

  MappedFile file_;
  std::map<std::string, TensorView> tensors_;
  uint64_t data_offset_ = 0;  // where the data region starts (8 + header length)
  std::map<std::string, std::string> metadata_;
};

// A WeightSource over one or more safetensors files (a sharded checkpoint). A tensor name may
// appear in only one file.
class SafetensorsWeightSource : public WeightSource {
 public:
  static StatusOr<std::unique_ptr<SafetensorsWeightSource>> Open(
      const std::vector<std::string>& paths, std::string origin);

  std::vector<std::string> TensorNames() const override;
  bool HasTensor(const std::string& name) const override;
  StatusOr<TensorView> Tensor(const std::string& name) const override;
  const std::string& origin() const override { return origin_; }
  void DropPages(const std::string& name) const override;
  // The file a tensor lives in (for messages).
  std::string FileOf(const std::string& name) const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::pair<const SafetensorsFile*, const TensorView*>> index_;
  std::string origin_;
};

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_SAFETENSORS_H_
