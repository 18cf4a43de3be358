// GGML tensor element types as stored in GGUF files: ids, names and block geometry.
//
// Facts (type ids, block sizes, bytes per block) follow the format definition in the PyPI `gguf`
// package (gguf/constants.py, GGML_QUANT_SIZES, gguf 0.19.0). A block of `block_size` elements
// takes `type_size` bytes; plain types have block_size 1.
#ifndef LITERTLM_FORMAT_GGUF_TYPES_H_
#define LITERTLM_FORMAT_GGUF_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace litertlm {

enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
  kNVFP4 = 40,
  kQ1_0 = 41,
};

struct GgmlTypeTraits {
  GgmlType type;
  std::string_view name;  // "Q4_K", as llama.cpp and gguf-py spell it
  int64_t block_size;     // elements per block
  int64_t type_size;      // bytes per block
};

// The traits of type id `id`, or nullptr when the id is not a GGML type this reader knows.
const GgmlTypeTraits* FindGgmlType(uint32_t id);

// "Q4_K", or "unknown type 5" for an id FindGgmlType does not know.
std::string GgmlTypeName(uint32_t id);

// Bytes taken by `n_elements` elements of `traits`, or nullopt when n_elements is negative, not
// a multiple of the block size, or the byte count overflows int64.
std::optional<int64_t> GgmlByteSize(const GgmlTypeTraits& traits, int64_t n_elements);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_GGUF_TYPES_H_
