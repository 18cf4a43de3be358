#include "format/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "util/json.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

StatusOr<DType> ParseDType(std::string_view s) {
  if (s == "F32") return DType::kF32;
  if (s == "F16") return DType::kF16;
  if (s == "BF16") return DType::kBF16;
  if (s == "I8") return DType::kI8;
  if (s == "I32") return DType::kI32;
  if (s == "I64") return DType::kI64;
  if (s == "F64") return DType::kF64;
  return InvalidArgumentError("unsupported dtype '" + std::string(s) + "'");
}

// Multiplies non-negative sizes, failing on overflow past int64.
bool CheckedMul(int64_t a, int64_t b, int64_t* out) {
  if (a < 0 || b < 0) return false;
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

}  // namespace

StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(path));
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile(std::move(mapped)));
  RETURN_IF_ERROR(file->ParseHeader());
  return file;
}

Status SafetensorsFile::ParseHeader() {
  const std::string& path = file_.path();
  if (file_.size() < 8) {
    return InvalidArgumentError(path + ": truncated safetensors file (" +
                                std::to_string(file_.size()) + " bytes, need an 8-byte header length)");
  }
  uint64_t header_len = 0;
  std::memcpy(&header_len, file_.data(), 8);  // little-endian host
  if (header_len > file_.size() - 8) {
    return InvalidArgumentError(path + ": header length " + std::to_string(header_len) +
                                " runs past the end of the file (" + std::to_string(file_.size()) +
                                " bytes)");
  }
  std::string_view header(reinterpret_cast<const char*>(file_.data()) + 8, header_len);
  ASSIGN_OR_RETURN(auto doc, ParseJson(header, path + " (safetensors header)"));
  if (!doc->IsObject()) return InvalidArgumentError(path + ": safetensors header is not a JSON object");
  const uint64_t data_start = 8 + header_len;
  data_offset_ = data_start;
  const uint64_t data_size = file_.size() - data_start;
  for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    const std::string where = path + ": tensor '" + name + "'";
    if (name == "__metadata__") {
      if (!it->value.IsObject()) return InvalidArgumentError(path + ": __metadata__ is not an object");
      for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
        if (m->value.IsString()) metadata_[m->name.GetString()] = m->value.GetString();
      }
      continue;
    }
    JsonObjectReader r(it->value, where);
    if (!it->value.IsObject()) return InvalidArgumentError(where + " is not an object");
    ASSIGN_OR_RETURN(std::string dtype_name, r.RequireString("dtype"));
    auto dtype = ParseDType(dtype_name);
    if (!dtype.ok()) return InvalidArgumentError(where + ": " + dtype.status().message());
    ASSIGN_OR_RETURN(const rapidjson::Value* shape, r.Array("shape"));
    ASSIGN_OR_RETURN(const rapidjson::Value* offsets, r.Array("data_offsets"));
    if (shape == nullptr || offsets == nullptr || offsets->Size() != 2)
      return InvalidArgumentError(where + ": needs 'shape' and a 2-element 'data_offsets'");
    TensorView view;
    view.dtype = *dtype;
    int64_t numel = 1;
    for (const auto& d : shape->GetArray()) {
      if (!d.IsInt64() || d.GetInt64() < 0) return InvalidArgumentError(where + ": bad shape entry");
      view.shape.push_back(d.GetInt64());
      if (!CheckedMul(numel, d.GetInt64(), &numel))
        return InvalidArgumentError(where + ": shape overflows");
    }
    const auto& b = (*offsets)[0];
    const auto& e = (*offsets)[1];
    if (!b.IsUint64() || !e.IsUint64() || b.GetUint64() > e.GetUint64())
      return InvalidArgumentError(where + ": bad data_offsets");
    uint64_t begin = b.GetUint64(), end = e.GetUint64();
    if (end > data_size) {
      return InvalidArgumentError(where + ": data_offsets [" + std::to_string(begin) + ", " +
                                  std::to_string(end) + ") run past the end of the file (data region is " +
                                  std::to_string(data_size) + " bytes; truncated file?)");
    }
    int64_t nbytes = 0;
    if (!CheckedMul(numel, static_cast<int64_t>(DTypeSize(view.dtype)), &nbytes) ||
        static_cast<uint64_t>(nbytes) != end - begin) {
      return InvalidArgumentError(where + ": " + std::to_string(end - begin) + " bytes for " +
                                  dtype_name + " " + ShapeToString(view.shape));
    }
    view.data = std::span<const uint8_t>(file_.data() + data_start + begin, end - begin);
    tensors_.emplace(std::move(name), std::move(view));
  }
  return CheckNoOverlap();
}

// Two tensors sharing bytes would alias each other's weights (a crafted or damaged header).
Status SafetensorsFile::CheckNoOverlap() const {
  std::vector<std::pair<const uint8_t*, const std::string*>> starts;
  starts.reserve(tensors_.size());
  for (const auto& [name, view] : tensors_) {
    if (!view.data.empty()) starts.emplace_back(view.data.data(), &name);
  }
  std::sort(starts.begin(), starts.end());
  const uint8_t* data_region = file_.data() + data_offset_;
  for (size_t i = 1; i < starts.size(); ++i) {
    const TensorView& prev = tensors_.at(*starts[i - 1].second);
    if (starts[i].first >= prev.data.data() + prev.data.size()) continue;
    const TensorView& cur = tensors_.at(*starts[i].second);
    auto range = [&](const TensorView& v) {
      const auto b = static_cast<uint64_t>(v.data.data() - data_region);
      std::string r(1, '[');
      r.append(std::to_string(b)).append(", ").append(std::to_string(b + v.data.size()));
      return r.append(")");
    };
    return InvalidArgumentError(file_.path() + ": tensors '" + *starts[i - 1].second + "' " +
                                range(prev) + " and '" + *starts[i].second + "' " + range(cur) +
                                " overlap in data_offsets (damaged or crafted file)");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<SafetensorsWeightSource>> SafetensorsWeightSource::Open(
    const std::vector<std::string>& paths, std::string origin) {
  auto source = std::make_unique<SafetensorsWeightSource>();
  source->origin_ = std::move(origin);
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(path));
    for (const auto& [name, view] : file->tensors()) {
      auto [it, inserted] = source->index_.emplace(name, std::make_pair(file.get(), &view));
      if (!inserted) {
        return InvalidArgumentError(path + ": tensor '" + name + "' also appears in " +
                                    it->second.first->path());
      }
    }
    source->files_.push_back(std::move(file));
  }
  return source;
}

std::vector<std::string> SafetensorsWeightSource::TensorNames() const {
  std::vector<std::string> names;
  names.reserve(index_.size());
  for (const auto& [name, _] : index_) names.push_back(name);
  return names;
}

bool SafetensorsWeightSource::HasTensor(const std::string& name) const {
  return index_.count(name) != 0;
}

StatusOr<TensorView> SafetensorsWeightSource::Tensor(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return NotFoundError(origin_ + ": missing tensor '" + name + "'");
  return *it->second.second;
}

void SafetensorsWeightSource::DropPages(const std::string& name) const {
  auto it = index_.find(name);
  if (it != index_.end()) it->second.first->DropPages(it->second.second->data);
}

std::string SafetensorsWeightSource::FileOf(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? origin_ : it->second.first->path();
}

}  // namespace litertlm
