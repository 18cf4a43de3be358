#include "kernels/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "util/half.h"

namespace litertlm {

int64_t MatrixRowBytes(DType dtype, int64_t cols) {
  const NumberFormat& f = NumberFormatOf(dtype);
  return f.matrix ? cols * f.bits / 8 : 0;
}

int64_t ScaleBlock(DType dtype, int64_t cols) {
  const NumberFormat& f = NumberFormatOf(dtype);
  if (f.scale_per_row) return cols;
  return f.scale_block > 0 ? f.scale_block : 1;
}

Matrix QuantizedMatrix::view(bool dynamic_activations) const {
  Matrix m;
  m.dtype = dtype;
  m.rows = rows;
  m.cols = cols;
  m.data = data.data();
  m.scales = scales.empty() ? nullptr : scales.data();
  m.layout = MatrixLayout::kRowMajor;
  m.dynamic_activations = dynamic_activations;
  return m;
}

namespace {

float AbsMax(const float* x, int64_t n) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  return m;
}

int RoundClamp(float v, int lim) {
  long r = std::lrint(v);  // default rounding mode: nearest, ties to even
  return static_cast<int>(std::clamp<long>(r, -lim, lim));
}

void QuantizeRowI8(const float* w, int64_t cols, int8_t* q, float* scale) {
  float s = AbsMax(w, cols) / 127.0f;
  *scale = s;
  float inv = s > 0 ? 1.0f / s : 0.0f;
  for (int64_t k = 0; k < cols; ++k) q[k] = static_cast<int8_t>(RoundClamp(w[k] * inv, 127));
}

void QuantizeRowI4(const float* w, int64_t cols, int64_t block, uint8_t* out, float* scales) {
  std::vector<uint8_t> nib(static_cast<size_t>(cols));
  for (int64_t b = 0; b < cols / block; ++b) {
    float s = AbsMax(w + b * block, block) / 7.0f;
    scales[b] = s;
    float inv = s > 0 ? 1.0f / s : 0.0f;
    for (int64_t i = 0; i < block; ++i) {
      nib[static_cast<size_t>(b * block + i)] =
          static_cast<uint8_t>(RoundClamp(w[b * block + i] * inv, 7) + 8);
    }
  }
  for (int64_t g = 0; g < cols / 128; ++g) {
    for (int64_t i = 0; i < 64; ++i) {
      uint8_t lo = nib[static_cast<size_t>(g * 128 + i)];
      uint8_t hi = nib[static_cast<size_t>(g * 128 + 64 + i)];
      out[g * 64 + i] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

}  // namespace

StatusOr<QuantizedMatrix> QuantizeMatrix(const float* w, int64_t rows, int64_t cols,
                                         DType target) {
  if (rows <= 0 || cols <= 0) {
    return InvalidArgumentError("QuantizeMatrix: bad shape " + std::to_string(rows) + "x" +
                                std::to_string(cols));
  }
  const NumberFormat& format = NumberFormatOf(target);
  if (!format.matrix) {
    return InvalidArgumentError("QuantizeMatrix: unsupported target dtype " +
                                std::string(DTypeName(target)));
  }
  if (cols % format.row_group != 0) {
    return InvalidArgumentError("QuantizeMatrix: " + std::string(DTypeName(target)) + " needs cols % " +
                                std::to_string(format.row_group) + " == 0, got cols=" + std::to_string(cols));
  }
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (!std::isfinite(w[i])) {
      return InvalidArgumentError("QuantizeMatrix: non-finite weight at row " +
                                  std::to_string(i / cols) + ", col " + std::to_string(i % cols));
    }
  }
  QuantizedMatrix q;
  q.dtype = target;
  q.rows = rows;
  q.cols = cols;
  const int64_t row_bytes = MatrixRowBytes(target, cols);
  q.data.resize(static_cast<size_t>(rows * row_bytes));
  if (format.quantized) q.scales.resize(static_cast<size_t>(rows * (cols / ScaleBlock(target, cols))));
  for (int64_t n = 0; n < rows; ++n) {
    const float* src = w + n * cols;
    uint8_t* dst = q.data.data() + n * row_bytes;
    switch (target) {
      case DType::kI8:
        QuantizeRowI8(src, cols, reinterpret_cast<int8_t*>(dst), &q.scales[static_cast<size_t>(n)]);
        break;
      case DType::kI4Block32:
      case DType::kI4Block128: {
        int64_t block = ScaleBlock(target, cols);
        QuantizeRowI4(src, cols, block, dst, q.scales.data() + n * (cols / block));
        break;
      }
      case DType::kF16:
      case DType::kBF16:
        for (int64_t k = 0; k < cols; ++k) {
          uint16_t h = target == DType::kF16 ? F32ToF16(src[k]) : F32ToBf16(src[k]);
          std::memcpy(dst + 2 * k, &h, 2);
        }
        break;
      default:
        std::memcpy(dst, src, static_cast<size_t>(row_bytes));
        break;
    }
  }
  return q;
}

float QuantizeActivationRow(const float* x, int64_t cols, int64_t padded_cols, int8_t* q) {
  float s = AbsMax(x, cols) / 127.0f;
  float inv = s > 0 ? 1.0f / s : 0.0f;
  for (int64_t k = 0; k < cols; ++k) {
    // Clamp before rounding (NaN → -127, like the SIMD versions' saturating conversion).
    float v = std::fmin(std::fmax(x[k] * inv, -127.0f), 127.0f);
    q[k] = static_cast<int8_t>(static_cast<int>(std::nearbyint(v)));
  }
  for (int64_t k = cols; k < padded_cols; ++k) q[k] = 0;
  return s;
}

float AsymmetricQuantizeActivationRow(const float* x, int64_t cols, int64_t padded_cols, int8_t* q,
                                      int32_t* zero_point) {
  constexpr float kQmin = -128.0f, kQmax = 127.0f;
  float lo = 0.0f, hi = 0.0f;
  for (int64_t k = 0; k < cols; ++k) {
    lo = std::min(lo, x[k]);
    hi = std::max(hi, x[k]);
  }
  // XNNPACK's float steps, one for one: the range is mapped by the multiplier 255 / (hi − lo),
  // its ends are descaled by multiplying, the values are multiplied by the multiplier itself
  // (xnn_compute_f32_qx8_convert hands it to the convert kernel) and the scale is its
  // reciprocal. (hi − lo) / 255, divisions, or multiplying by 1 / scale (which differs from the
  // multiplier in the last bit for some ranges) move a value lying on a rounding boundary one
  // step now and then: a row with lo = −hi puts both ends there, at ±127.5.
  const float multiplier = lo == hi ? 1.0f : (kQmax - kQmin) / (hi - lo);
  const float descaled_min = lo * multiplier;
  const float descaled_max = hi * multiplier;
  const float from_min = kQmin + descaled_min;
  const float from_max = kQmax + descaled_max;
  float zp = from_min + from_max > 0.0f ? kQmin - descaled_min : kQmax - descaled_max;
  zp = std::nearbyint(std::clamp(zp, kQmin, kQmax));
  const float scale = 1.0f / multiplier;
  // x·multiplier lies within about ±255 here, so adding and subtracting 1.5·2^23 rounds it to the
  // nearest integer, ties to even, exactly as nearbyint does in the default rounding mode, but
  // without a libm call per element (the loop vectorizes).
  constexpr float kRound = 12582912.0f;
  for (int64_t k = 0; k < cols; ++k) {
    const float r = (x[k] * multiplier + kRound) - kRound;
    q[k] = static_cast<int8_t>(std::clamp(r + zp, kQmin, kQmax));
  }
  for (int64_t k = cols; k < padded_cols; ++k) q[k] = 0;
  *zero_point = static_cast<int32_t>(zp);
  return scale;
}

void AsymmetricRoundActivationRow(const float* x, int64_t cols, float* out) {
  std::vector<int8_t> q(static_cast<size_t>(cols));
  int32_t zp = 0;
  const float scale = AsymmetricQuantizeActivationRow(x, cols, cols, q.data(), &zp);
  for (int64_t k = 0; k < cols; ++k) out[k] = static_cast<float>(q[static_cast<size_t>(k)] - zp) * scale;
}

float QuantizeActivationRow16(const float* x, int64_t cols, int64_t padded_cols, int8_t* hi,
                              int8_t* lo) {
  float s = AbsMax(x, cols) / kActivation16Max;
  float inv = s > 0 ? 1.0f / s : 0.0f;
  for (int64_t k = 0; k < cols; ++k) {
    float v = std::fmin(std::fmax(x[k] * inv, -kActivation16Max), kActivation16Max);
    int q = static_cast<int>(std::nearbyint(v));
    int h = (q + 128) >> 8;  // floor: arithmetic shift
    hi[k] = static_cast<int8_t>(h);
    lo[k] = static_cast<int8_t>(q - 256 * h);
  }
  for (int64_t k = cols; k < padded_cols; ++k) hi[k] = lo[k] = 0;
  return s;
}

}  // namespace litertlm
