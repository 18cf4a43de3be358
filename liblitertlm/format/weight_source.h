// Where a model's tensors come from: a Hugging Face checkpoint (safetensors), a .litertlm file,
// or a GGUF file. Tensors are named with Hugging Face names ("model.layers.0.self_attn.q_proj.weight")
// whatever the source, so one tensor table (model/tensor_table.h) serves load, convert and verify.
#ifndef LITERTLM_FORMAT_WEIGHT_SOURCE_H_
#define LITERTLM_FORMAT_WEIGHT_SOURCE_H_

#include <string>
#include <vector>

#include "litertlm/status.h"
#include "tensor/tensor_view.h"

namespace litertlm {

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // Every tensor name the source holds.
  virtual std::vector<std::string> TensorNames() const = 0;
  virtual bool HasTensor(const std::string& name) const = 0;
  // The tensor's bytes stay valid for the life of the source. NOT_FOUND names the tensor and
  // the source.
  virtual StatusOr<TensorView> Tensor(const std::string& name) const = 0;
  // Hint from a caller that streams through the tensors (the converter): it is done with `name`
  // for now. Memory-mapped sources may drop its resident pages (views stay valid; the bytes are
  // re-read from the file if touched again). Default: nothing.
  virtual void DropPages(const std::string& name) const { (void)name; }
  // The file or directory, for messages.
  virtual const std::string& origin() const = 0;
};

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_WEIGHT_SOURCE_H_
