// Test helper: writes GGUF bytes (valid or deliberately corrupt) for the GGUF reader tests.
#ifndef LITERTLM_TESTS_UNIT_FORMAT_GGUF_TEST_UTIL_H_
#define LITERTLM_TESTS_UNIT_FORMAT_GGUF_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "unit/test_util.h"

namespace litertlm::testing {

class ByteWriter {
 public:
  template <typename T>
  void Put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    bytes.insert(bytes.end(), b, b + sizeof(T));
  }
  void PutString(const std::string& s) {
    Put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void PutBytes(const std::vector<uint8_t>& b) { bytes.insert(bytes.end(), b.begin(), b.end()); }
  std::vector<uint8_t> bytes;
};

// Value type ids as in the file.
enum : uint32_t { kU8 = 0, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kStr, kArr, kU64, kI64, kF64 };

class GgufBuilder {
 public:
  struct Tensor {
    std::string name;
    std::vector<uint64_t> ne;
    uint32_t type;
    std::vector<uint8_t> data;
    std::optional<uint64_t> offset;  // default: packed, aligned
  };

  // Metadata: raw value bytes after the type id.
  void AddRaw(const std::string& key, uint32_t type, const std::vector<uint8_t>& value) {
    ByteWriter w;
    w.PutString(key);
    w.Put<uint32_t>(type);
    w.PutBytes(value);
    kv_.push_back(w.bytes);
  }
  template <typename T>
  void Add(const std::string& key, uint32_t type, T v) {
    ByteWriter w;
    w.Put<T>(v);
    AddRaw(key, type, w.bytes);
  }
  void AddU32(const std::string& key, uint32_t v) { Add<uint32_t>(key, kU32, v); }
  void AddF32(const std::string& key, float v) { Add<float>(key, kF32, v); }
  void AddBool(const std::string& key, bool v) { Add<uint8_t>(key, kBool, v ? 1 : 0); }
  void AddString(const std::string& key, const std::string& v) {
    ByteWriter w;
    w.PutString(v);
    AddRaw(key, kStr, w.bytes);
  }
  void AddStringArray(const std::string& key, const std::vector<std::string>& v) {
    ByteWriter w;
    w.Put<uint32_t>(kStr);
    w.Put<uint64_t>(v.size());
    for (const auto& s : v) w.PutString(s);
    AddRaw(key, kArr, w.bytes);
  }
  template <typename T>
  void AddArray(const std::string& key, uint32_t elem_type, const std::vector<T>& v) {
    ByteWriter w;
    w.Put<uint32_t>(elem_type);
    w.Put<uint64_t>(v.size());
    for (T x : v) w.Put<T>(x);
    AddRaw(key, kArr, w.bytes);
  }

  void AddTensor(Tensor t) { tensors_.push_back(std::move(t)); }
  // An F32 tensor with the given values.
  void AddF32Tensor(const std::string& name, std::vector<uint64_t> ne,
                    const std::vector<float>& values) {
    std::vector<uint8_t> data(values.size() * 4);
    if (!data.empty()) std::memcpy(data.data(), values.data(), data.size());
    AddTensor({name, std::move(ne), 0, std::move(data), std::nullopt});
  }

  std::vector<uint8_t> Build() const {
    ByteWriter w;
    w.bytes.insert(w.bytes.end(), magic.begin(), magic.end());
    w.Put<uint32_t>(version);
    w.Put<uint64_t>(tensor_count.value_or(tensors_.size()));
    w.Put<uint64_t>(kv_count.value_or(kv_.size()));
    for (const auto& kv : kv_) w.PutBytes(kv);
    uint64_t next = 0;
    std::vector<uint64_t> offsets;
    for (const Tensor& t : tensors_) {
      w.PutString(t.name);
      w.Put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
      for (uint64_t d : t.ne) w.Put<uint64_t>(d);
      w.Put<uint32_t>(t.type);
      uint64_t off = t.offset.value_or(next);
      w.Put<uint64_t>(off);
      offsets.push_back(off);
      next = Align(off + t.data.size());
    }
    w.bytes.resize(Align(w.bytes.size()), 0);
    size_t data_start = w.bytes.size();
    for (size_t i = 0; i < tensors_.size(); ++i) {
      const Tensor& t = tensors_[i];
      if (t.offset.has_value() && *t.offset > (1u << 20)) continue;  // bogus offset: no data
      size_t at = data_start + offsets[i];
      if (w.bytes.size() < at + t.data.size()) w.bytes.resize(at + t.data.size(), 0);
      if (!t.data.empty()) std::memcpy(w.bytes.data() + at, t.data.data(), t.data.size());
    }
    w.bytes.resize(data_start + Align(w.bytes.size() - data_start), 0);
    return w.bytes;
  }

  std::string magic = "GGUF";
  uint32_t version = 3;
  uint64_t alignment = 32;
  std::optional<uint64_t> tensor_count;
  std::optional<uint64_t> kv_count;

 private:
  uint64_t Align(uint64_t n) const { return (n + alignment - 1) / alignment * alignment; }
  std::vector<std::vector<uint8_t>> kv_;
  std::vector<Tensor> tensors_;
};

// tests/golden/<relative>.
inline std::string GoldenPath(const std::string& relative) { return GoldenDir() + "/" + relative; }

inline std::string WriteTempFile(const std::string& name, const std::vector<uint8_t>& bytes) {
  std::string path = TmpRoot() + "/" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace litertlm::testing

#endif  // LITERTLM_TESTS_UNIT_FORMAT_GGUF_TEST_UTIL_H_
