#include "format/gguf_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "util/status_macros.h"

namespace litertlm {
namespace {

constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

// Bytes of one scalar element of `type`; 0 for string/array (variable size).
uint64_t ScalarSize(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16:
    case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64:
    case GgufValueType::kInt64:
    case GgufValueType::kFloat64: return 8;
    case GgufValueType::kString:
    case GgufValueType::kArray: return 0;
  }
  return 0;
}

bool IsKnownValueType(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::kFloat64); }

bool IsIntegerType(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kUint16:
    case GgufValueType::kInt16:
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kUint64:
    case GgufValueType::kInt64: return true;
    default: return false;
  }
}

template <typename T>
T LoadLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // the build targets little-endian hosts only
  return v;
}

// One integer element as a signed/unsigned pair: `negative` tells which of the two is meaningful.
struct IntValue {
  bool negative = false;
  int64_t s = 0;
  uint64_t u = 0;
};

IntValue LoadInt(GgufValueType t, const uint8_t* p) {
  auto from_signed = [](int64_t v) { return IntValue{v < 0, v, static_cast<uint64_t>(v)}; };
  auto from_unsigned = [](uint64_t v) {
    return IntValue{false, static_cast<int64_t>(v), v};  // s meaningful only if v <= INT64_MAX
  };
  switch (t) {
    case GgufValueType::kUint8: return from_unsigned(LoadLe<uint8_t>(p));
    case GgufValueType::kInt8: return from_signed(LoadLe<int8_t>(p));
    case GgufValueType::kUint16: return from_unsigned(LoadLe<uint16_t>(p));
    case GgufValueType::kInt16: return from_signed(LoadLe<int16_t>(p));
    case GgufValueType::kUint32: return from_unsigned(LoadLe<uint32_t>(p));
    case GgufValueType::kInt32: return from_signed(LoadLe<int32_t>(p));
    case GgufValueType::kUint64: return from_unsigned(LoadLe<uint64_t>(p));
    case GgufValueType::kInt64: return from_signed(LoadLe<int64_t>(p));
    default: return {};
  }
}

}  // namespace

std::string_view GgufValueTypeName(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8: return "uint8";
    case GgufValueType::kInt8: return "int8";
    case GgufValueType::kUint16: return "uint16";
    case GgufValueType::kInt16: return "int16";
    case GgufValueType::kUint32: return "uint32";
    case GgufValueType::kInt32: return "int32";
    case GgufValueType::kFloat32: return "float32";
    case GgufValueType::kBool: return "bool";
    case GgufValueType::kString: return "string";
    case GgufValueType::kArray: return "array";
    case GgufValueType::kUint64: return "uint64";
    case GgufValueType::kInt64: return "int64";
    case GgufValueType::kFloat64: return "float64";
  }
  return "unknown";
}

// Reads the header, metadata and tensor infos with a bounds-checked cursor.
class GgufFile::Parser {
 public:
  Parser(GgufFile& out) : out_(out), bytes_(out.bytes_) {}

  Status Run() {
    RETURN_IF_ERROR(ParseHeader());
    // Counts are bounded by the file size (ParseHeader); reserve a little, let real entries grow.
    out_.metadata_.reserve(std::min<uint64_t>(kv_count_, 1024));
    for (uint64_t i = 0; i < kv_count_; ++i) RETURN_IF_ERROR(ParseKeyValue(i));
    for (size_t i = 0; i < out_.metadata_.size(); ++i) {
      if (!out_.key_index_.emplace(out_.metadata_[i].key, i).second) {
        return Invalid("duplicate metadata key '" + out_.metadata_[i].key + "'");
      }
    }
    RETURN_IF_ERROR(ReadAlignment());
    out_.tensors_.reserve(std::min<uint64_t>(tensor_count_, 4096));
    for (uint64_t i = 0; i < tensor_count_; ++i) RETURN_IF_ERROR(ParseTensorInfo(i));
    for (size_t i = 0; i < out_.tensors_.size(); ++i) {
      if (!out_.tensor_index_.emplace(out_.tensors_[i].name, i).second) {
        return Invalid("duplicate tensor name '" + out_.tensors_[i].name + "'");
      }
    }
    return CheckTensorData();
  }

 private:
  Status Invalid(const std::string& what) const {
    return InvalidArgumentError(out_.origin_ + ": " + what);
  }
  Status Truncated(const std::string& what) const {
    return InvalidArgumentError(out_.origin_ + ": " + what + " at byte " + std::to_string(pos_) +
                                " runs past the end of the file (" +
                                std::to_string(bytes_.size()) + " bytes)");
  }
  uint64_t Left() const { return bytes_.size() - pos_; }

  Status Need(uint64_t n, const std::string& what) const {
    return n <= Left() ? Status::Ok() : Truncated(what);
  }
  template <typename T>
  StatusOr<T> Read(const std::string& what) {
    RETURN_IF_ERROR(Need(sizeof(T), what));
    T v = LoadLe<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  // A u64-length-prefixed string; returns a view into the file.
  StatusOr<std::string_view> ReadString(const std::string& what) {
    ASSIGN_OR_RETURN(uint64_t len, Read<uint64_t>(what + " length"));
    if (len > Left()) {
      return Invalid(what + ": length " + std::to_string(len) + " at byte " +
                     std::to_string(pos_ - 8) + " runs past the end of the file (" +
                     std::to_string(Left()) + " bytes left)");
    }
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }

  Status ParseHeader() {
    if (bytes_.size() < 4 || std::memcmp(bytes_.data(), "GGUF", 4) != 0) {
      return Invalid("not a GGUF file (bad magic; expected \"GGUF\")");
    }
    pos_ = 4;
    ASSIGN_OR_RETURN(out_.version_, Read<uint32_t>("version"));
    if (out_.version_ == 1) {
      return UnimplementedError(out_.origin_ + ": GGUF version 1 is not supported (only 2 and 3)");
    }
    if (out_.version_ != 2 && out_.version_ != 3) {
      std::string hint = (out_.version_ & 0xffffu) == 0 ? " (a big-endian file?)" : "";
      return Invalid("unsupported GGUF version " + std::to_string(out_.version_) + hint +
                     "; supported: 2, 3");
    }
    ASSIGN_OR_RETURN(tensor_count_, Read<uint64_t>("tensor count"));
    ASSIGN_OR_RETURN(kv_count_, Read<uint64_t>("metadata count"));
    // Each metadata entry takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at
    // least 8 + 4 + 8 + 4 + 8. Reject counts the file cannot hold before reserving anything.
    if (kv_count_ > Left() / 13) {
      return Invalid("metadata count " + std::to_string(kv_count_) +
                     " runs past the end of the file (" + std::to_string(bytes_.size()) +
                     " bytes)");
    }
    if (tensor_count_ > Left() / 32) {
      return Invalid("tensor count " + std::to_string(tensor_count_) +
                     " runs past the end of the file (" + std::to_string(bytes_.size()) +
                     " bytes)");
    }
    return Status::Ok();
  }

  StatusOr<GgufValueType> ReadValueType(const std::string& what) {
    ASSIGN_OR_RETURN(uint32_t t, Read<uint32_t>(what + " type"));
    if (!IsKnownValueType(t)) {
      return Invalid(what + ": unknown value type " + std::to_string(t));
    }
    return static_cast<GgufValueType>(t);
  }

  // Validates the value of `kv` (type already read) and sets its payload.
  Status ParseValue(GgufKeyValue& kv, const std::string& what) {
    if (kv.type == GgufValueType::kString) {
      ASSIGN_OR_RETURN(std::string_view s, ReadString(what));
      kv.payload = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
      return Status::Ok();
    }
    if (kv.type != GgufValueType::kArray) {
      uint64_t size = ScalarSize(kv.type);
      RETURN_IF_ERROR(Need(size, what + " value"));
      kv.payload = bytes_.subspan(pos_, size);
      pos_ += size;
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(kv.element_type, ReadValueType(what + " array element"));
    if (kv.element_type == GgufValueType::kArray) {
      return UnimplementedError(out_.origin_ + ": " + what + ": nested arrays are not supported");
    }
    ASSIGN_OR_RETURN(kv.count, Read<uint64_t>(what + " array length"));
    size_t start = pos_;
    if (kv.element_type == GgufValueType::kString) {
      if (kv.count > Left() / 8) {
        return Invalid(what + ": array of " + std::to_string(kv.count) +
                       " strings runs past the end of the file");
      }
      for (uint64_t i = 0; i < kv.count; ++i) {
        RETURN_IF_ERROR(ReadString(what + "[" + std::to_string(i) + "]").status());
      }
    } else {
      uint64_t size = ScalarSize(kv.element_type);
      if (kv.count > Left() / size) {
        return Invalid(what + ": array of " + std::to_string(kv.count) + " " +
                       std::string(GgufValueTypeName(kv.element_type)) +
                       " runs past the end of the file");
      }
      pos_ += kv.count * size;
    }
    kv.payload = bytes_.subspan(start, pos_ - start);
    return Status::Ok();
  }

  Status ParseKeyValue(uint64_t index) {
    std::string what = "metadata entry " + std::to_string(index);
    ASSIGN_OR_RETURN(std::string_view key, ReadString(what + " key"));
    GgufKeyValue kv;
    kv.key = std::string(key);
    what = "metadata key '" + kv.key + "'";
    ASSIGN_OR_RETURN(kv.type, ReadValueType(what));
    RETURN_IF_ERROR(ParseValue(kv, what));
    out_.metadata_.push_back(std::move(kv));
    return Status::Ok();
  }

  Status ReadAlignment() {
    for (const GgufKeyValue& kv : out_.metadata_) {
      if (kv.key != "general.alignment") continue;
      if (kv.type != GgufValueType::kUint32) {
        return Invalid("metadata key 'general.alignment' has type " +
                       std::string(GgufValueTypeName(kv.type)) + ", expected uint32");
      }
      uint32_t a = LoadLe<uint32_t>(kv.payload.data());
      if (a == 0 || (a & (a - 1)) != 0) {
        return Invalid("metadata key 'general.alignment' is " + std::to_string(a) +
                       ", expected a power of two");
      }
      out_.alignment_ = a;
    }
    return Status::Ok();
  }

  Status ParseTensorInfo(uint64_t index) {
    std::string what = "tensor info " + std::to_string(index);
    ASSIGN_OR_RETURN(std::string_view name, ReadString(what + " name"));
    GgufTensorInfo t;
    t.name = std::string(name);
    what = "tensor '" + t.name + "'";
    ASSIGN_OR_RETURN(uint32_t n_dims, Read<uint32_t>(what + " dimension count"));
    if (n_dims == 0 || n_dims > kMaxDims) {
      return Invalid(what + ": " + std::to_string(n_dims) + " dimensions (expected 1 to " +
                     std::to_string(kMaxDims) + ")");
    }
    t.n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      ASSIGN_OR_RETURN(uint64_t ne, Read<uint64_t>(what + " dimension " + std::to_string(d)));
      if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Invalid(what + ": dimension " + std::to_string(d) + " is " + std::to_string(ne));
      }
      t.ne.push_back(static_cast<int64_t>(ne));
      if (__builtin_mul_overflow(t.n_elements, static_cast<int64_t>(ne), &t.n_elements)) {
        return Invalid(what + ": element count overflows (shape " + ShapeText(t.ne) + ")");
      }
    }
    ASSIGN_OR_RETURN(uint32_t type, Read<uint32_t>(what + " type"));
    t.type = FindGgmlType(type);
    if (t.type == nullptr) return Invalid(what + ": unknown tensor type " + std::to_string(type));
    if (t.ne[0] % t.type->block_size != 0) {
      return Invalid(what + ": innermost dimension " + std::to_string(t.ne[0]) +
                     " is not a multiple of the " + std::string(t.type->name) + " block size " +
                     std::to_string(t.type->block_size));
    }
    std::optional<int64_t> bytes = GgmlByteSize(*t.type, t.n_elements);
    if (!bytes) return Invalid(what + ": byte size overflows (shape " + ShapeText(t.ne) + ")");
    t.n_bytes = *bytes;
    ASSIGN_OR_RETURN(t.offset, Read<uint64_t>(what + " offset"));
    if (t.offset % out_.alignment_ != 0) {
      return Invalid(what + ": data offset " + std::to_string(t.offset) +
                     " is not a multiple of the alignment " + std::to_string(out_.alignment_));
    }
    out_.tensors_.push_back(std::move(t));
    return Status::Ok();
  }

  static std::string ShapeText(const std::vector<int64_t>& ne) {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
  }

  Status CheckTensorData() {
    uint64_t a = out_.alignment_;
    uint64_t data = pos_ + (a - pos_ % a) % a;
    if (out_.tensors_.empty()) {
      out_.data_offset_ = std::min<uint64_t>(data, bytes_.size());
      return Status::Ok();
    }
    if (data > bytes_.size()) {
      return Invalid("tensor data section (byte " + std::to_string(data) +
                     ") starts past the end of the file (" + std::to_string(bytes_.size()) +
                     " bytes)");
    }
    out_.data_offset_ = data;
    uint64_t available = bytes_.size() - data;
    for (const GgufTensorInfo& t : out_.tensors_) {
      uint64_t end = 0;
      if (__builtin_add_overflow(t.offset, static_cast<uint64_t>(t.n_bytes), &end) ||
          end > available) {
        return Invalid("tensor '" + t.name + "' data [" + std::to_string(t.offset) + ", +" +
                       std::to_string(t.n_bytes) + ") lies outside the data section (" +
                       std::to_string(available) + " bytes from byte " + std::to_string(data) +
                       ")");
      }
    }
    return Status::Ok();
  }

  GgufFile& out_;
  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
  uint64_t tensor_count_ = 0;
  uint64_t kv_count_ = 0;
};

StatusOr<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(path));
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->origin_ = path;
  file->file_ = std::move(mapped);
  file->bytes_ = file->file_->bytes();
  RETURN_IF_ERROR(Parser(*file).Run());
  return file;
}

StatusOr<std::unique_ptr<GgufFile>> GgufFile::Parse(std::span<const uint8_t> bytes,
                                                    std::string origin) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->origin_ = std::move(origin);
  file->bytes_ = bytes;
  RETURN_IF_ERROR(Parser(*file).Run());
  return file;
}

const GgufKeyValue* GgufFile::FindKey(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second];
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const uint8_t> GgufFile::TensorData(const GgufTensorInfo& tensor) const {
  return bytes_.subspan(data_offset_ + tensor.offset, static_cast<size_t>(tensor.n_bytes));
}

// ---- typed metadata getters ----

namespace {

Status WrongType(const std::string& origin, std::string_view key, const GgufKeyValue& kv,
                 std::string_view expected) {
  std::string stored(GgufValueTypeName(kv.type));
  if (kv.type == GgufValueType::kArray) {
    stored = "array of " + std::string(GgufValueTypeName(kv.element_type));
  }
  return InvalidArgumentError(origin + ": metadata key '" + std::string(key) + "' has type " +
                              stored + ", expected " + std::string(expected));
}

}  // namespace

StatusOr<std::string> GgufFile::GetString(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type != GgufValueType::kString) return WrongType(origin_, key, *kv, "string");
  return std::string(reinterpret_cast<const char*>(kv->payload.data()), kv->payload.size());
}

StatusOr<int64_t> GgufFile::GetInt(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (!IsIntegerType(kv->type)) return WrongType(origin_, key, *kv, "an integer");
  IntValue v = LoadInt(kv->type, kv->payload.data());
  if (!v.negative && v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgumentError(origin_ + ": metadata key '" + std::string(key) + "' value " +
                                std::to_string(v.u) + " does not fit int64");
  }
  return v.s;
}

StatusOr<uint64_t> GgufFile::GetUint(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (!IsIntegerType(kv->type)) return WrongType(origin_, key, *kv, "an unsigned integer");
  IntValue v = LoadInt(kv->type, kv->payload.data());
  if (v.negative) {
    return InvalidArgumentError(origin_ + ": metadata key '" + std::string(key) + "' value " +
                                std::to_string(v.s) + " is negative");
  }
  return v.u;
}

StatusOr<double> GgufFile::GetFloat(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type == GgufValueType::kFloat32) return LoadLe<float>(kv->payload.data());
  if (kv->type == GgufValueType::kFloat64) return LoadLe<double>(kv->payload.data());
  return WrongType(origin_, key, *kv, "float32 or float64");
}

StatusOr<bool> GgufFile::GetBool(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type != GgufValueType::kBool) return WrongType(origin_, key, *kv, "bool");
  return kv->payload[0] != 0;
}

StatusOr<std::vector<std::string>> GgufFile::GetStringArray(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type != GgufValueType::kArray || kv->element_type != GgufValueType::kString) {
    return WrongType(origin_, key, *kv, "array of string");
  }
  std::vector<std::string> out;
  out.reserve(kv->count);
  const uint8_t* p = kv->payload.data();
  for (uint64_t i = 0; i < kv->count; ++i) {  // lengths were validated by the parser
    uint64_t len = LoadLe<uint64_t>(p);
    out.emplace_back(reinterpret_cast<const char*>(p + 8), len);
    p += 8 + len;
  }
  return out;
}

StatusOr<std::vector<float>> GgufFile::GetFloatArray(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type != GgufValueType::kArray || (kv->element_type != GgufValueType::kFloat32 &&
                                            kv->element_type != GgufValueType::kFloat64)) {
    return WrongType(origin_, key, *kv, "array of float32 or float64");
  }
  std::vector<float> out(kv->count);
  for (uint64_t i = 0; i < kv->count; ++i) {
    out[i] = kv->element_type == GgufValueType::kFloat32
                 ? LoadLe<float>(kv->payload.data() + 4 * i)
                 : static_cast<float>(LoadLe<double>(kv->payload.data() + 8 * i));
  }
  return out;
}

StatusOr<std::vector<int64_t>> GgufFile::GetIntArray(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type != GgufValueType::kArray || !IsIntegerType(kv->element_type)) {
    return WrongType(origin_, key, *kv, "array of integers");
  }
  uint64_t size = ScalarSize(kv->element_type);
  std::vector<int64_t> out(kv->count);
  for (uint64_t i = 0; i < kv->count; ++i) {
    IntValue v = LoadInt(kv->element_type, kv->payload.data() + size * i);
    if (!v.negative && v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgumentError(origin_ + ": metadata key '" + std::string(key) + "' element " +
                                  std::to_string(i) + " does not fit int64");
    }
    out[i] = v.s;
  }
  return out;
}

StatusOr<std::vector<bool>> GgufFile::GetBoolArray(std::string_view key) const {
  const GgufKeyValue* kv = FindKey(key);
  if (kv == nullptr) return NotFoundError(origin_ + ": no metadata key '" + std::string(key) + "'");
  if (kv->type != GgufValueType::kArray || kv->element_type != GgufValueType::kBool) {
    return WrongType(origin_, key, *kv, "array of bool");
  }
  std::vector<bool> out(kv->count);
  for (uint64_t i = 0; i < kv->count; ++i) out[i] = kv->payload[i] != 0;
  return out;
}

}  // namespace litertlm
