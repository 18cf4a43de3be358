// Decoding of GGML tensor data (plain, legacy block and k-quant types) to fp32.
//
// Block layouts follow the format definitions in the PyPI `gguf` package (gguf/quants.py,
// gguf 0.19.0); this is an independent implementation. Every decoder performs the same float32
// operations in the same order as gguf.quants.dequantize (e.g. Q4_K: (d * sc) * q - (dmin * m)),
// so results are bit-identical to it; tests/unit/format/gguf_dequant_test.cc checks that on
// committed fixtures. (The translation unit is compiled without FMA contraction: GCC in ISO C++
// mode does not contract, and each decoder keeps products and sums in separate statements.)
//
// Thread-safety: pure functions.
#ifndef LITERTLM_FORMAT_GGUF_DEQUANT_H_
#define LITERTLM_FORMAT_GGUF_DEQUANT_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "format/gguf_types.h"
#include "litertlm/status.h"

namespace litertlm {

// True for the types DequantizeGgml decodes: F32, F16, BF16, F64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
bool CanDequantizeGgml(GgmlType type);

// Decodes dst.size() elements of `type` from `src` into `dst`. `src` must hold exactly the bytes of
// dst.size() elements (a whole number of blocks). Errors name `what` (e.g. the tensor):
// INVALID_ARGUMENT for a size mismatch, UNIMPLEMENTED for a type CanDequantizeGgml rejects.
Status DequantizeGgml(const GgmlTypeTraits& type, std::span<const uint8_t> src,
                      std::span<float> dst, std::string_view what);

}  // namespace litertlm

#endif  // LITERTLM_FORMAT_GGUF_DEQUANT_H_
