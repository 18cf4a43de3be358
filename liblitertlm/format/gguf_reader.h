// GgufFile: a validated, read-only view of a GGUF file (llama.cpp's model format, versions 2 and 3).
//
// Layout (little-endian): "GGUF", u32 version, u64 tensor_count, u64 kv_count, then kv_count
// metadata entries (string key, u32 value type, value), then tensor_count tensor infos (string
// name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset), padding to `general.alignment`
// (default 32), then the tensor data. A string is a u64 byte length followed by the bytes.
//
// Open() maps the file and validates everything before returning: magic, version, every count and
// length against the bytes left, checked size arithmetic, known value and tensor types, unique
// keys and tensor names, alignment, and each tensor's data range inside the file. Every error
// names the file and the item at fault (key, tensor, byte offset). Nothing is allocated in
// proportion to a count before the count has been checked against the file size.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> gguf, GgufFile::Open("model.gguf"));
//   ASSIGN_OR_RETURN(std::string arch, gguf->GetString("general.architecture"));
//   const GgufTensorInfo* t = gguf->FindTensor("token_embd.weight");
//   std::span<const uint8_t> bytes = gguf->TensorData(*t);
//
// Thread-safety: immutable after Open/Parse; all const methods may be called concurrently.
#ifndef LITERTLM_FORMAT_GGUF_READER_H_
#define LITERTLM_FORMAT_GGUF_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "format/gguf_types.h"
#include "litertlm/status.h"
#include "util/mapped_file.h"

namespace litertlm {

// Metadata value types, numbered as in the file.
enum class GgufValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

std::string_view GgufValueTypeName(GgufValueType type);

// One metadata entry. `payload` points into the file: for a scalar, its bytes; for a string, the
// characters; for an array, the encoded elements (already validated). Nested arrays are rejected.
struct GgufKeyValue {
  std::string key;
  GgufValueType type = GgufValueType::kUint8;
  GgufValueType element_type = GgufValueType::kUint8;  // arrays only
  uint64_t count = 0;                                   // arrays only: number of elements
  std::span<const uint8_t> payload;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // GGUF order: ne[0] is the innermost (contiguous) dimension
  const GgmlTypeTraits* type = nullptr;
  uint64_t offset = 0;      // relative to the start of the data section
  int64_t n_elements = 0;
  int64_t n_bytes = 0;

  // The same dimensions outermost first (row-major), as PyTorch / Hugging Face write them.
  std::vector<int64_t> RowMajorShape() const { return {ne.rbegin(), ne.rend()}; }
};

class GgufFile {
 public:
  // Maps and validates `path`. Errors: NOT_FOUND (no such file), INVALID_ARGUMENT (malformed),
  // UNIMPLEMENTED (valid but unsupported: version 1, nested arrays).
  static StatusOr<std::unique_ptr<GgufFile>> Open(const std::string& path);

  // Validates GGUF bytes held by the caller, which must outlive the returned object (used by
  // tests and the fuzzer). `origin` names the bytes in messages.
  static StatusOr<std::unique_ptr<GgufFile>> Parse(std::span<const uint8_t> bytes,
                                                   std::string origin);

  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& origin() const { return origin_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the tensor data section

  // Metadata, in file order.
  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const GgufKeyValue* FindKey(std::string_view key) const;
  bool HasKey(std::string_view key) const { return FindKey(key) != nullptr; }

  // Typed getters. NOT_FOUND names the key when absent; INVALID_ARGUMENT names the key, the
  // expected and the stored type when the type does not fit. Integer getters accept every integer
  // type whose value fits the result; float getters accept f32 and f64.
  StatusOr<std::string> GetString(std::string_view key) const;
  StatusOr<int64_t> GetInt(std::string_view key) const;
  StatusOr<uint64_t> GetUint(std::string_view key) const;
  StatusOr<double> GetFloat(std::string_view key) const;
  StatusOr<bool> GetBool(std::string_view key) const;
  StatusOr<std::vector<std::string>> GetStringArray(std::string_view key) const;
  StatusOr<std::vector<float>> GetFloatArray(std::string_view key) const;  // f32 or f64 elements
  StatusOr<std::vector<int64_t>> GetIntArray(std::string_view key) const;  // any integer type
  StatusOr<std::vector<bool>> GetBoolArray(std::string_view key) const;

  // Tensors, in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* FindTensor(std::string_view name) const;
  // The tensor's bytes (validated to lie inside the file at Parse time).
  std::span<const uint8_t> TensorData(const GgufTensorInfo& tensor) const;

 private:
  GgufFile() = default;
  class Parser;

  std::string origin_;
  std::optional<MappedFile> file_;  // set by Open; Parse views caller memory
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<GgufKeyValue> metadata_;
  std::unordered_map<std::string_view, size_t> key_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_GGUF_READER_H_
