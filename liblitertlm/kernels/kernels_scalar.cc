// Portable scalar kernels: the reference every SIMD level is tested against.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"
#include "util/half.h"

namespace litertlm {
namespace {

// Byte j of chunk c of (packed) row n.
inline const uint8_t* RowChunk(const Matrix& w, int64_t chunks, int64_t n, int64_t c) {
  return static_cast<const uint8_t*>(w.data) + ((n / 4) * chunks + c) * 256 + (n % 4) * 64;
}

// Chunk c of row n of an int8 matrix the int8 kernels read (packed or row-major, I8Strides).
inline const int8_t* I8Chunk(const Matrix& w, const I8Strides& s, int64_t n, int64_t c) {
  return static_cast<const int8_t*>(w.data) + (n / 4) * s.group + (n % 4) * s.row + c * s.chunk;
}

void GemmI8(const I8GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides strides = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  for (int64_t n = a.n_begin; n < n_end; ++n) {
    for (int64_t i = 0; i < a.m; ++i) {
      const int8_t* x = a.xq + i * a.ldx;
      int32_t acc = 0;
      for (int64_t c = 0; c < chunks; ++c) {
        const int8_t* p = I8Chunk(w, strides, n, c);
        for (int j = 0; j < 64; ++j) acc += static_cast<int32_t>(p[j]) * x[c * 64 + j];
      }
      if (a.acc) {
        a.acc[i * a.ldy + n] = acc;
      } else {
        if (a.zero_point != nullptr) acc -= a.zero_point[i] * w.row_sums[n];
        a.y[i * a.ldy + n] = static_cast<float>(acc) * a.xscale[i] * w.scales[n];
      }
    }
  }
}

void GemvI8WeightOnly(const FloatGemvArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const I8Strides strides = I8StridesOf(w);
  const int64_t n_end = std::min(a.n_end, w.rows);
  for (int64_t n = a.n_begin; n < n_end; ++n) {
    float acc = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      const int8_t* p = I8Chunk(w, strides, n, c);
      for (int j = 0; j < 64; ++j) acc += static_cast<float>(p[j]) * a.x[c * 64 + j];
    }
    a.y[n] = acc * w.scales[n];
  }
}

void GemvF16(const FloatGemvArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t n_end = std::min(a.n_end, w.rows);
  for (int64_t n = a.n_begin; n < n_end; ++n) {
    float acc = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      const uint8_t* p = RowChunk(w, chunks, n, c);
      for (int j = 0; j < 32; ++j) {
        uint16_t h;
        std::memcpy(&h, p + 2 * j, 2);
        float v = w.dtype == DType::kF16 ? F16ToF32(h) : Bf16ToF32(h);
        acc += v * a.x[c * 32 + j];
      }
    }
    a.y[n] = acc;
  }
}

void GemvI4(const I4GemvArgs& a) {
  const Matrix& w = *a.w;
  const int64_t chunks = PackedChunks(w.dtype, w.cols);
  const int64_t block = ScaleBlock(w.dtype, w.cols);
  const int64_t per_chunk = 128 / block;
  const int64_t n_end = std::min(a.n_end, w.rows);
  for (int64_t n = a.n_begin; n < n_end; ++n) {
    float acc = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      const uint8_t* p = RowChunk(w, chunks, n, c);
      const float* s = w.scales + (((n / 4) * chunks + c) * 4 + n % 4) * per_chunk;
      const int8_t* x = a.xq + c * 128;
      int32_t block_acc[4] = {0, 0, 0, 0};
      for (int j = 0; j < 64; ++j) {
        block_acc[j / block] += ((p[j] & 15) - 8) * x[j];
        block_acc[(64 + j) / block] += ((p[j] >> 4) - 8) * x[64 + j];
      }
      for (int64_t b = 0; b < per_chunk; ++b) acc += static_cast<float>(block_acc[b]) * s[b];
    }
    a.y[n] = acc * a.xscale;
  }
}

// kInt4Rows16: the definition in I4GemmArgs, one output at a time.
void GemmI4Rows16(const I4GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t block = ScaleBlock(w.dtype, w.cols), blocks = w.cols / block, steps = w.cols / 8;
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const int64_t n_end = std::min(a.n_end, w.rows);
  for (int64_t n = a.n_begin; n < n_end; ++n) {
    const uint8_t* p = base + (n / 16) * steps * 64 + 4 * (n % 16);
    const float* sp = w.scales + (n / 16) * blocks * 16 + n % 16;
    for (int64_t i = 0; i < a.m; ++i) {
      const int8_t* x = a.xq + i * a.ldx;
      const int32_t zp = a.zero_point != nullptr ? a.zero_point[i] : 0;
      float f = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        int32_t acc = a.xcorr[i * a.ldcorr + b], nibble_sum = 0;
        for (int64_t s = b * block / 8; s < (b + 1) * block / 8; ++s) {
          for (int64_t j = 0; j < 4; ++j) {
            const int32_t lo = p[s * 64 + j] & 15, hi = p[s * 64 + j] >> 4;
            acc += lo * x[8 * s + j] + hi * x[8 * s + 4 + j];
            nibble_sum += lo + hi;
          }
        }
        acc -= zp * nibble_sum;
        f = std::fma(static_cast<float>(acc), sp[b * 16], f);
      }
      a.y[i * a.ldy + n] = f * a.xscale[i];
    }
  }
}

// kInt4Rows16 as XNNPACK's qd8 × qb4w: the definition in I4GemmArgs, one output at a time.
void GemmI4Rows16Xnnpack(const I4GemmArgs& a) {
  const Matrix& w = *a.w;
  const int64_t block = ScaleBlock(w.dtype, w.cols), blocks = w.cols / block, steps = w.cols / 8;
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const int64_t n_end = std::min(a.n_end, w.rows);
  for (int64_t n = a.n_begin; n < n_end; ++n) {
    const uint8_t* p = base + (n / 16) * steps * 64 + 4 * (n % 16);
    const float* sp = w.qb4w_scales + (n / 16) * blocks * 16 + n % 16;
    for (int64_t i = 0; i < a.m; ++i) {
      const int8_t* x = a.xq + i * a.ldx;
      const float zp = static_cast<float>(a.zero_point[i]);
      float lane[4] = {w.qb4w_init[n] * zp, 0.0f * zp, 0.0f * zp, 0.0f * zp};
      for (int64_t b = 0; b < blocks; ++b) {
        int32_t acc[4];
        for (int j = 0; j < 4; ++j) acc[j] = a.xcorr[i * a.ldcorr + 4 * b + j];
        for (int64_t s = b * block / 8; s < (b + 1) * block / 8; ++s) {
          for (int64_t j = 0; j < 4; ++j) {  // byte j: inputs 8s + j (lane j/2), 8s + 4 + j (lane 2 + j/2)
            acc[j / 2] += (p[s * 64 + j] & 15) * x[8 * s + j];
            acc[2 + j / 2] += (p[s * 64 + j] >> 4) * x[8 * s + 4 + j];
          }
        }
        for (int j = 0; j < 4; ++j) lane[j] = std::fma(static_cast<float>(acc[j]), sp[b * 16], lane[j]);
      }
      // XNNPACK adds the (zero) bias in the same FMA: a −0 sum gives +0.
      a.y[i * a.ldy + n] = std::fma((lane[0] + lane[1]) + (lane[2] + lane[3]), a.xscale[i], 0.0f);
    }
  }
}

}  // namespace

const KernelTable& ScalarKernels() {
  static const KernelTable table = {Isa::kScalar, "scalar", &GemmI8, &GemmI8, &GemvI8WeightOnly,
                                    &GemvF16, &GemvI4, nullptr, &GemmI4Rows16, &GemmI4Rows16Xnnpack,
                                    &QuantizeActivationRow,
                                    &QuantizeActivationRow16, false, nullptr, 0, 0, nullptr, nullptr,
                                    &PrefillAttentionScalar, nullptr, nullptr};
  return table;
}

}  // namespace litertlm
