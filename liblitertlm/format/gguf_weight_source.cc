#include "format/gguf_weight_source.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "format/gguf_dequant.h"
#include "format/model_family.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

// The layer index of a "blk.N.<rest>" name, with `rest` set; nullopt otherwise.
std::optional<int64_t> ParseLayer(std::string_view name, std::string_view* rest) {
  constexpr std::string_view kPrefix = "blk.";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  int64_t layer = -1;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + dot, layer);
  if (ec != std::errc() || ptr != name.data() + dot || layer < 0) return std::nullopt;
  if (dot > 1 && name[0] == '0') return std::nullopt;  // no leading zeros: one name per tensor
  *rest = name.substr(dot + 1);
  return layer;
}

}  // namespace

bool IsSupportedGgufArchitecture(std::string_view arch) {
  return FindFamilyByGgufArchitecture(arch) != nullptr;
}

std::optional<std::string> MapGgufTensorName(std::span<const GgufTensorName> names,
                                             std::string_view gguf_name) {
  std::string_view rest;
  const std::optional<int64_t> layer = ParseLayer(gguf_name, &rest);
  for (const GgufTensorName& n : names) {
    if (!n.per_layer && n.gguf == gguf_name) return std::string(n.hf);
    if (n.per_layer && layer && n.gguf == rest) {
      return "model.layers." + std::to_string(*layer) + "." + std::string(n.hf);
    }
  }
  return std::nullopt;
}

std::optional<std::string> HfToGgufTensorName(std::span<const GgufTensorName> names,
                                              std::string_view hf_name) {
  constexpr std::string_view kLayers = "model.layers.";
  std::string_view layer, rest;
  if (hf_name.starts_with(kLayers)) {
    rest = hf_name.substr(kLayers.size());
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    layer = rest.substr(0, dot);
    rest = rest.substr(dot + 1);
  }
  for (const GgufTensorName& n : names) {
    if (!n.per_layer && n.hf == hf_name) return std::string(n.gguf);
    if (n.per_layer && !layer.empty() && n.hf == rest) {
      return "blk." + std::string(layer) + "." + std::string(n.gguf);
    }
  }
  return std::nullopt;
}

StatusOr<std::unique_ptr<GgufWeightSource>> GgufWeightSource::Open(const std::string& path,
                                                                   GgufTensorNamer namer) {
  ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::Open(path));
  return FromFile(std::move(file), namer);
}

StatusOr<std::unique_ptr<GgufWeightSource>> GgufWeightSource::FromFile(
    std::unique_ptr<GgufFile> file, GgufTensorNamer namer) {
  const std::string& origin = file->origin();
  ASSIGN_OR_RETURN(std::string arch, file->GetString("general.architecture"));
  if (!IsSupportedGgufArchitecture(arch)) {
    return UnimplementedError(origin + ": GGUF architecture '" + arch +
                              "' is not supported (supported: " + SupportedGgufArchitectures() + ")");
  }
  ASSIGN_OR_RETURN(int64_t block_count, file->GetInt(arch + ".block_count"));
  std::unique_ptr<GgufWeightSource> source(new GgufWeightSource());
  source->arch_ = arch;
  const ModelFamily& family = *FindFamilyByGgufArchitecture(arch);
  const std::vector<GgufTensorName> names = namer(family);
  source->norms_plus_one_ = family.gguf_norms_plus_one;
  if (family.gguf_qk_rows_permuted) {
    ASSIGN_OR_RETURN(source->q_heads_, file->GetInt(arch + ".attention.head_count"));
    source->kv_heads_ = source->q_heads_;
    if (file->HasKey(arch + ".attention.head_count_kv")) {
      ASSIGN_OR_RETURN(source->kv_heads_, file->GetInt(arch + ".attention.head_count_kv"));
    }
    if (source->q_heads_ <= 0 || source->kv_heads_ <= 0) {
      return InvalidArgumentError(origin + ": " + arch + ".attention.head_count(_kv) must be > 0");
    }
  }
  for (const GgufTensorInfo& t : file->tensors()) {
    // Not a weight: its rope divisors go into the config (format/gguf_hf_config.h).
    if (family.gguf_rope_freqs && t.name == "rope_freqs.weight") continue;
    std::optional<std::string> hf = MapGgufTensorName(names, t.name);
    if (!hf) {
      return InvalidArgumentError(origin + ": tensor '" + t.name +
                                  "' has no Hugging Face equivalent for architecture " + arch);
    }
    std::string_view rest;
    if (std::optional<int64_t> layer = ParseLayer(t.name, &rest); layer && *layer >= block_count) {
      return InvalidArgumentError(origin + ": tensor '" + t.name + "' names layer " +
                                  std::to_string(*layer) + " but " + arch + ".block_count is " +
                                  std::to_string(block_count));
    }
    source->names_.push_back(*hf);
    source->by_hf_name_.emplace(*hf, &t);
  }
  source->file_ = std::move(file);
  return source;
}

std::vector<std::string> GgufWeightSource::TensorNames() const { return names_; }

bool GgufWeightSource::HasTensor(const std::string& name) const {
  return by_hf_name_.count(name) != 0;
}

const GgufTensorInfo* GgufWeightSource::SourceTensor(const std::string& hf_name) const {
  auto it = by_hf_name_.find(hf_name);
  return it == by_hf_name_.end() ? nullptr : it->second;
}

bool GgufWeightSource::IsShiftedNorm(const std::string& hf_name) const {
  constexpr std::string_view kSuffix = "norm.weight";
  return norms_plus_one_ && hf_name.size() >= kSuffix.size() &&
         std::string_view(hf_name).substr(hf_name.size() - kSuffix.size()) == kSuffix;
}

int64_t GgufWeightSource::PermutedHeads(const std::string& hf_name) const {
  if (q_heads_ == 0) return 0;
  const std::string_view n = hf_name;
  if (n.ends_with("self_attn.q_proj.weight") || n.ends_with("self_attn.q_proj.bias")) return q_heads_;
  if (n.ends_with("self_attn.k_proj.weight") || n.ends_with("self_attn.k_proj.bias")) return kv_heads_;
  return 0;
}

namespace {
// Undoes llama.cpp's q/k permutation for its interleaved rope: within each head of `rows / heads`
// rows, stored row 2i + j holds Hugging Face row j * (rows_per_head / 2) + i.
Status UnpermuteRows(std::vector<float>* data, int64_t rows, int64_t heads, const std::string& what) {
  if (rows % heads != 0 || (rows / heads) % 2 != 0) {
    return InvalidArgumentError(what + ": " + std::to_string(rows) + " rows do not split into " +
                                std::to_string(heads) + " heads of an even size");
  }
  const int64_t per_head = rows / heads, half = per_head / 2;
  const int64_t cols = static_cast<int64_t>(data->size()) / rows;
  std::vector<float> out(data->size());
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      for (int64_t j = 0; j < 2; ++j) {
        const float* src = data->data() + (h * per_head + 2 * i + j) * cols;
        std::copy(src, src + cols, out.data() + (h * per_head + j * half + i) * cols);
      }
    }
  }
  *data = std::move(out);
  return Status::Ok();
}
}  // namespace

StatusOr<TensorView> GgufWeightSource::Tensor(const std::string& name) const {
  const GgufTensorInfo* info = SourceTensor(name);
  if (info == nullptr) {
    return NotFoundError(origin() + ": no tensor '" + name + "' (Hugging Face name)");
  }
  TensorView view;
  view.dtype = DType::kF32;
  view.shape = info->RowMajorShape();
  const bool shift = IsShiftedNorm(name);
  const int64_t permuted_heads = PermutedHeads(name);
  if (info->type->type == GgmlType::kF32 && !shift && permuted_heads == 0) {
    view.data = file_->TensorData(*info);  // already fp32 in the right order: no copy
    return view;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = buffers_.find(name);
    if (it != buffers_.end()) {
      view.data = {reinterpret_cast<const uint8_t*>(it->second->data()), it->second->size() * 4};
      return view;
    }
  }
  auto buffer = std::make_unique<std::vector<float>>(static_cast<size_t>(info->n_elements));
  RETURN_IF_ERROR(DequantizeGgml(*info->type, file_->TensorData(*info), *buffer,
                                 origin() + ": tensor '" + info->name + "'"));
  if (shift) {
    for (float& v : *buffer) v -= 1.0f;  // stored (1 + w) → HF w
  }
  if (permuted_heads > 0) {
    const int64_t rows = view.shape.empty() ? 0 : view.shape[0];
    RETURN_IF_ERROR(UnpermuteRows(buffer.get(), rows, permuted_heads, origin() + ": tensor '" + info->name + "'"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buffers_.try_emplace(name, std::move(buffer));
  view.data = {reinterpret_cast<const uint8_t*>(it->second->data()), it->second->size() * 4};
  return view;
}

void GgufWeightSource::Release(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  buffers_.erase(name);
}

}  // namespace litertlm
