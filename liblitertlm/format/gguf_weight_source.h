// GgufWeightSource: the tensors of a GGUF model (gemma3, qwen3 or llama architecture) under their
// Hugging Face names, dequantized to fp32 and with llama.cpp's layout conventions undone, so the
// converter can treat a GGUF like a Hugging Face checkpoint.
//
// What is undone (facts checked against llama.cpp's convert_hf_to_gguf.py and the real
// gemma-3-270m Q4_K_M file; see tests/unit/format/gguf_weight_source_test.cc):
//  - names: "blk.N.attn_q.weight" → "model.layers.N.self_attn.q_proj.weight", etc. The names are
//    not listed here: they are a column of the tensor table (model/tensor_table.cc, a layer
//    above), which hands them down as a GgufTensorNamer;
//  - dimension order: GGUF lists ne[0] (innermost) first; shapes here are row-major, outermost
//    first, as in PyTorch. The bytes are already row-major, so no data moves;
//  - gemma3 RMSNorm weights: the converter stores (1 + w) for every tensor whose HF name ends in
//    "norm.weight" (Gemma3RMSNorm computes x * (1 + w)); Tensor() returns w = stored - 1 in fp32;
//  - Q/K row permutation: llama.cpp permutes q_proj/k_proj rows for its "llama"-style
//    (interleaved) rope (LlamaModel); Tensor() undoes it for those families
//    (ModelFamily::gguf_qk_rows_permuted). gemma3 and qwen3 use NEOX rope and are stored unpermuted.
//
// Tensor() dequantizes on first use into an fp32 buffer owned by the source (F32 tensors that need
// no change are viewed in place in the mapped file). Memory therefore grows with the tensors
// requested; a converter that streams tensors calls Release() after writing each one.
//
// Thread-safety: Tensor(), Release() and the const accessors may be called concurrently.
#ifndef LITERTLM_FORMAT_GGUF_WEIGHT_SOURCE_H_
#define LITERTLM_FORMAT_GGUF_WEIGHT_SOURCE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/gguf_reader.h"
#include "format/weight_source.h"
#include "litertlm/status.h"

namespace litertlm {

struct ModelFamily;

// True for the GGUF `general.architecture` values this module maps ("gemma3", "qwen3", "llama").
bool IsSupportedGgufArchitecture(std::string_view arch);

// A tensor's name in llama.cpp's GGUF files and in Hugging Face checkpoints; for a layer's
// tensor (per_layer) both within the layer: "attn_q.weight" is "blk.<N>.attn_q.weight" and
// "self_attn.q_proj.weight" is "model.layers.<N>.self_attn.q_proj.weight". The views are of
// static text (the table's rows).
struct GgufTensorName {
  std::string_view gguf;
  std::string_view hf;
  bool per_layer = false;
};

// The names of a family's GGUF tensors (model/tensor_table.h GgufTensorNames: the table's GGUF
// column). Passed down to this layer, which does not know the table.
using GgufTensorNamer = std::vector<GgufTensorName> (*)(const ModelFamily& family);

// The Hugging Face name of llama.cpp tensor `gguf_name` under `names`, or nullopt when none of
// them is it. Layer indices are decimal without leading zeros ("blk.02." is no name).
std::optional<std::string> MapGgufTensorName(std::span<const GgufTensorName> names,
                                             std::string_view gguf_name);
// The reverse: llama.cpp's name of Hugging Face tensor `hf_name` under `names`, or nullopt.
std::optional<std::string> HfToGgufTensorName(std::span<const GgufTensorName> names,
                                              std::string_view hf_name);

class GgufWeightSource : public WeightSource {
 public:
  // Opens and validates `path` (GgufFile::Open), then checks the architecture is supported and
  // that every tensor maps, by `namer`'s names for its family, to a Hugging Face name of a
  // layer < block_count. Errors name the file and the tensor or key.
  static StatusOr<std::unique_ptr<GgufWeightSource>> Open(const std::string& path,
                                                          GgufTensorNamer namer);
  static StatusOr<std::unique_ptr<GgufWeightSource>> FromFile(std::unique_ptr<GgufFile> file,
                                                              GgufTensorNamer namer);

  // Hugging Face names, in file order.
  std::vector<std::string> TensorNames() const override;
  bool HasTensor(const std::string& name) const override;
  // fp32, row-major Hugging Face shape. The bytes stay valid until Release(name) or the source
  // is destroyed. NOT_FOUND names the tensor and the file; UNIMPLEMENTED names the GGML type when
  // it cannot be dequantized.
  StatusOr<TensorView> Tensor(const std::string& name) const override;
  const std::string& origin() const override { return file_->origin(); }

  // Frees the fp32 buffer Tensor(name) made, if any. Views of it become invalid.
  void Release(const std::string& name);

  // The GGUF tensor behind Hugging Face name `hf_name`, or nullptr.
  const GgufTensorInfo* SourceTensor(const std::string& hf_name) const;
  const GgufFile& gguf() const { return *file_; }
  const std::string& architecture() const { return arch_; }

 private:
  GgufWeightSource() = default;
  bool IsShiftedNorm(const std::string& hf_name) const;
  // The head count whose q/k row permutation Tensor(hf_name) undoes; 0 when none.
  int64_t PermutedHeads(const std::string& hf_name) const;

  std::unique_ptr<GgufFile> file_;
  std::string arch_;
  bool norms_plus_one_ = false;
  int64_t q_heads_ = 0;   // > 0: q/k rows are stored permuted (llama.cpp llama-style rope)
  int64_t kv_heads_ = 0;
  std::vector<std::string> names_;                  // HF names, file order
  std::map<std::string, const GgufTensorInfo*> by_hf_name_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::unique_ptr<std::vector<float>>> buffers_;  // guarded by mu_
};

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_GGUF_WEIGHT_SOURCE_H_
