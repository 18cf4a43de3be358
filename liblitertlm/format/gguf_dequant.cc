#include "format/gguf_dequant.h"

#include <cstring>
#include <string>

#include "util/half.h"

namespace litertlm {
namespace {

constexpr int kQK = 32;    // legacy block size
constexpr int kQK_K = 256; // k-quant super-block size

uint16_t U16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
float Half(const uint8_t* p) { return F16ToF32(U16(p)); }

// ---- legacy 32-element blocks ----

// Q4_0: f16 d, 16 bytes of nibbles; element k < 16 is the low nibble of byte k, k >= 16 the high
// nibble of byte k - 16. y = d * (q - 8).
void BlockQ4_0(const uint8_t* b, float* y) {
  float d = Half(b);
  const uint8_t* qs = b + 2;
  for (int k = 0; k < kQK / 2; ++k) {
    y[k] = d * static_cast<float>((qs[k] & 0x0F) - 8);
    y[k + 16] = d * static_cast<float>((qs[k] >> 4) - 8);
  }
}

// Q4_1: f16 d, f16 m, nibbles as Q4_0. y = d * q + m.
void BlockQ4_1(const uint8_t* b, float* y) {
  float d = Half(b);
  float m = Half(b + 2);
  const uint8_t* qs = b + 4;
  for (int k = 0; k < kQK / 2; ++k) {
    float lo = d * static_cast<float>(qs[k] & 0x0F);
    float hi = d * static_cast<float>(qs[k] >> 4);
    y[k] = lo + m;
    y[k + 16] = hi + m;
  }
}

// Q5_0: f16 d, u32 qh (bit k is the 5th bit of element k), nibbles as Q4_0. y = d * (q - 16).
void BlockQ5_0(const uint8_t* b, float* y) {
  float d = Half(b);
  uint32_t qh;
  std::memcpy(&qh, b + 2, 4);
  const uint8_t* qs = b + 6;
  for (int k = 0; k < kQK / 2; ++k) {
    int lo = (qs[k] & 0x0F) | static_cast<int>(((qh >> k) & 1u) << 4);
    int hi = (qs[k] >> 4) | static_cast<int>(((qh >> (k + 16)) & 1u) << 4);
    y[k] = d * static_cast<float>(lo - 16);
    y[k + 16] = d * static_cast<float>(hi - 16);
  }
}

// Q5_1: f16 d, f16 m, u32 qh, nibbles. y = d * q + m.
void BlockQ5_1(const uint8_t* b, float* y) {
  float d = Half(b);
  float m = Half(b + 2);
  uint32_t qh;
  std::memcpy(&qh, b + 4, 4);
  const uint8_t* qs = b + 8;
  for (int k = 0; k < kQK / 2; ++k) {
    int lo = (qs[k] & 0x0F) | static_cast<int>(((qh >> k) & 1u) << 4);
    int hi = (qs[k] >> 4) | static_cast<int>(((qh >> (k + 16)) & 1u) << 4);
    float a = d * static_cast<float>(lo);
    float c = d * static_cast<float>(hi);
    y[k] = a + m;
    y[k + 16] = c + m;
  }
}

// Q8_0: f16 d, 32 int8. y = q * d.
void BlockQ8_0(const uint8_t* b, float* y) {
  float d = Half(b);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int k = 0; k < kQK; ++k) y[k] = static_cast<float>(qs[k]) * d;
}

// ---- k-quants: 256-element super-blocks ----

// Q2_K: scales[16] (low nibble: scale, high nibble: min), qs[64], f16 d, f16 dmin. Element
// e = 128 j + 32 l + k holds bits 2l..2l+1 of qs[32 j + k]; its group is e / 16.
// y = (d * sc) * q - (dmin * m).
void BlockQ2_K(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* qs = b + 16;
  float d = Half(b + 80);
  float dmin = Half(b + 82);
  for (int e = 0; e < kQK_K; ++e) {
    int j = e / 128, l = (e % 128) / 32, k = e % 32;
    int q = (qs[32 * j + k] >> (2 * l)) & 3;
    uint8_t sc = scales[e / 16];
    float dl = d * static_cast<float>(sc & 0x0F);
    float ml = dmin * static_cast<float>(sc >> 4);
    float prod = dl * static_cast<float>(q);
    y[e] = prod - ml;
  }
}

// Q3_K: hmask[32], qs[64], scales[12] (sixteen 6-bit scales), f16 d. Scale i: low 4 bits from
// nibble (i % 8 of byte i % 8, high nibble for i >= 8), high 2 bits from byte 8 + i % 4 at bit
// 2 (i / 4); minus 32. Element e = 128 j + 32 l + k: low 2 bits from qs[32 j + k] >> 2l, and
// 4 is subtracted when bit (e / 32) of hmask[k] is 0. y = (d * scale[e / 16]) * q.
void BlockQ3_K(const uint8_t* b, float* y) {
  const uint8_t* hmask = b;
  const uint8_t* qs = b + 32;
  const uint8_t* s = b + 96;
  float d = Half(b + 108);
  float dl[16];
  for (int i = 0; i < 16; ++i) {
    int low = (i < 8 ? s[i] : s[i - 8] >> 4) & 0x0F;
    int high = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
    int scale = static_cast<int8_t>(static_cast<uint8_t>(low | (high << 4))) - 32;
    dl[i] = d * static_cast<float>(scale);
  }
  for (int e = 0; e < kQK_K; ++e) {
    int j = e / 128, l = (e % 128) / 32, k = e % 32;
    int ql = (qs[32 * j + k] >> (2 * l)) & 3;
    int hbit = (hmask[k] >> (e / 32)) & 1;
    int q = ql - ((hbit ^ 1) << 2);
    y[e] = dl[e / 16] * static_cast<float>(q);
  }
}

// The eight 6-bit scales and mins of Q4_K / Q5_K, packed in 12 bytes: for i < 4, scale = s[i] & 63
// and min = s[4 + i] & 63; for i >= 4, scale = (s[i + 4] & 15) | ((s[i - 4] >> 6) << 4) and
// min = (s[i + 4] >> 4) | ((s[i] >> 6) << 4).
void ScaleMinK4(const uint8_t* s, int i, int* sc, int* m) {
  if (i < 4) {
    *sc = s[i] & 63;
    *m = s[i + 4] & 63;
  } else {
    *sc = (s[i + 4] & 0x0F) | ((s[i - 4] >> 2) & 0x30);
    *m = (s[i + 4] >> 4) | ((s[i] >> 2) & 0x30);
  }
}

// Q4_K: f16 d, f16 dmin, scales[12], qs[128]. Sub-block i = 2 j + h (32 elements) takes nibble h
// of qs[32 j + k]. y = (d * sc_i) * q - (dmin * m_i).
void BlockQ4_K(const uint8_t* b, float* y) {
  float d = Half(b);
  float dmin = Half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qs = b + 16;
  for (int i = 0; i < 8; ++i) {
    int sc, m;
    ScaleMinK4(scales, i, &sc, &m);
    float ds = d * static_cast<float>(sc);
    float dm = dmin * static_cast<float>(m);
    int j = i / 2, h = i % 2;
    for (int k = 0; k < 32; ++k) {
      int q = (qs[32 * j + k] >> (4 * h)) & 0x0F;
      float prod = ds * static_cast<float>(q);
      y[32 * i + k] = prod - dm;
    }
  }
}

// Q5_K: as Q4_K plus qh[32] before qs: bit i of qh[k] is the 5th bit of element 32 i + k.
void BlockQ5_K(const uint8_t* b, float* y) {
  float d = Half(b);
  float dmin = Half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* qs = b + 48;
  for (int i = 0; i < 8; ++i) {
    int sc, m;
    ScaleMinK4(scales, i, &sc, &m);
    float ds = d * static_cast<float>(sc);
    float dm = dmin * static_cast<float>(m);
    int j = i / 2, h = i % 2;
    for (int k = 0; k < 32; ++k) {
      int q = ((qs[32 * j + k] >> (4 * h)) & 0x0F) | (((qh[k] >> i) & 1) << 4);
      float prod = ds * static_cast<float>(q);
      y[32 * i + k] = prod - dm;
    }
  }
}

// Q6_K: ql[128], qh[64], int8 scales[16], f16 d. Element e = 128 j + r: low 4 bits are nibble
// (r / 64) of ql[64 j + r % 64], high 2 bits are bits 2 (r / 32) of qh[32 j + r % 32]; minus 32.
// y = (d * scale[e / 16]) * q. The loop below visits the four elements sharing ql/qh bytes at once.
void BlockQ6_K(const uint8_t* b, float* y) {
  const int8_t* scales = reinterpret_cast<const int8_t*>(b + 192);
  float d = Half(b + 208);
  float ds[16];
  for (int i = 0; i < 16; ++i) ds[i] = d * static_cast<float>(scales[i]);
  for (int j = 0; j < 2; ++j) {
    const uint8_t* ql = b + 64 * j;
    const uint8_t* qh = b + 128 + 32 * j;
    const float* s = ds + 8 * j;
    float* out = y + 128 * j;
    for (int r = 0; r < 32; ++r) {
      int q0 = ((ql[r] & 0x0F) | ((qh[r] & 3) << 4)) - 32;
      int q1 = ((ql[r + 32] & 0x0F) | (((qh[r] >> 2) & 3) << 4)) - 32;
      int q2 = ((ql[r] >> 4) | (((qh[r] >> 4) & 3) << 4)) - 32;
      int q3 = ((ql[r + 32] >> 4) | (((qh[r] >> 6) & 3) << 4)) - 32;
      out[r] = s[r / 16] * static_cast<float>(q0);
      out[r + 32] = s[2 + r / 16] * static_cast<float>(q1);
      out[r + 64] = s[4 + r / 16] * static_cast<float>(q2);
      out[r + 96] = s[6 + r / 16] * static_cast<float>(q3);
    }
  }
}

// Q8_K: f32 d, int8 qs[256], int16 bsums[16] (unused here). y = d * q.
void BlockQ8_K(const uint8_t* b, float* y) {
  float d;
  std::memcpy(&d, b, 4);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 4);
  for (int e = 0; e < kQK_K; ++e) y[e] = d * static_cast<float>(qs[e]);
}

// ---- plain element types (block size 1): decoded by whole-tensor loops in DequantizeGgml ----

void ElemUnused(const uint8_t*, float*) {}

// Decodes n plain elements; false when `type` is not a plain float type.
bool DecodePlain(GgmlType type, const uint8_t* in, float* out, int64_t n) {
  switch (type) {
    case GgmlType::kF32:
      std::memcpy(out, in, static_cast<size_t>(n) * 4);
      return true;
    case GgmlType::kF16:
      for (int64_t i = 0; i < n; ++i) out[i] = F16ToF32(U16(in + 2 * i));
      return true;
    case GgmlType::kBF16:
      for (int64_t i = 0; i < n; ++i) out[i] = Bf16ToF32(U16(in + 2 * i));
      return true;
    case GgmlType::kF64:
      for (int64_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, in + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      return true;
    default:
      return false;
  }
}

using BlockFn = void (*)(const uint8_t*, float*);

BlockFn FindDecoder(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kBF16:
    case GgmlType::kF64: return ElemUnused;  // DecodePlain handles these
    case GgmlType::kQ4_0: return BlockQ4_0;
    case GgmlType::kQ4_1: return BlockQ4_1;
    case GgmlType::kQ5_0: return BlockQ5_0;
    case GgmlType::kQ5_1: return BlockQ5_1;
    case GgmlType::kQ8_0: return BlockQ8_0;
    case GgmlType::kQ2_K: return BlockQ2_K;
    case GgmlType::kQ3_K: return BlockQ3_K;
    case GgmlType::kQ4_K: return BlockQ4_K;
    case GgmlType::kQ5_K: return BlockQ5_K;
    case GgmlType::kQ6_K: return BlockQ6_K;
    case GgmlType::kQ8_K: return BlockQ8_K;
    default: return nullptr;
  }
}

}  // namespace

bool CanDequantizeGgml(GgmlType type) { return FindDecoder(type) != nullptr; }

Status DequantizeGgml(const GgmlTypeTraits& type, std::span<const uint8_t> src,
                      std::span<float> dst, std::string_view what) {
  BlockFn decode = FindDecoder(type.type);
  if (decode == nullptr) {
    return UnimplementedError(std::string(what) + ": cannot dequantize GGML type " +
                              std::string(type.name));
  }
  int64_t n = static_cast<int64_t>(dst.size());
  std::optional<int64_t> bytes = GgmlByteSize(type, n);
  if (!bytes || *bytes != static_cast<int64_t>(src.size())) {
    return InvalidArgumentError(std::string(what) + ": " + std::to_string(src.size()) +
                                " bytes of " + std::string(type.name) + " do not hold " +
                                std::to_string(n) + " elements");
  }
  if (DecodePlain(type.type, src.data(), dst.data(), n)) return Status::Ok();
  int64_t blocks = n / type.block_size;
  const uint8_t* in = src.data();
  float* out = dst.data();
  for (int64_t i = 0; i < blocks; ++i) {
    decode(in, out);
    in += type.type_size;
    out += type.block_size;
  }
  return Status::Ok();
}

}  // namespace litertlm
