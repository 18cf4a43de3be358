#include "kernels/pack.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "util/half.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace litertlm {

// Buffers of at least one huge page (the packed copies of large weight matrices, e.g. a tied
// 262144 x 640 embedding / LM head) start on a 2 MiB boundary and ask for transparent huge pages
// before the first touch: decode streams them once per token, and with 4 KiB pages the hardware
// prefetchers stop at every page boundary and every page costs a TLB miss. Measured on Gemma 3
// 270M from an int8 TFLite file (whose weights are packed at load): decode 13.3 -> 16.7-18.0 tok/s
// (1 thread), the same speed as the weights mapped from our own format, whose page-cache folios
// are already large. Where THP is off ("never") the advice is ignored and nothing changes.
constexpr size_t kHugePage = size_t{2} << 20;

AlignedBuffer::AlignedBuffer(size_t bytes) : size_(bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  const size_t alignment = rounded >= kHugePage ? kHugePage : 64;
  void* p = nullptr;
  if (posix_memalign(&p, alignment, rounded) != 0) return;
  ptr_.reset(static_cast<uint8_t*>(p));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (alignment == kHugePage) ::madvise(p, rounded / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
  std::memset(p, 0, rounded);
}

int64_t ElementsPerChunk(DType dtype) {
  const NumberFormat& f = NumberFormatOf(dtype);
  return f.matrix ? 64 * 8 / f.bits : 16;
}

namespace {

// Pointer to the first of `len` contiguous stored bytes of chunk c of row n.
const uint8_t* ChunkPtr(const Matrix& w, int64_t n, int64_t c) {
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  if (w.layout == MatrixLayout::kPacked4x64) {
    int64_t chunks = PackedChunks(w.dtype, w.cols);
    return base + ((n / 4) * chunks + c) * 256 + (n % 4) * 64;
  }
  return base + n * MatrixRowBytes(w.dtype, w.cols) + c * 64;
}

float ScaleAt(const Matrix& w, int64_t n, int64_t block_index) {
  if (w.dtype == DType::kI8) return w.scales[n];
  int64_t block = ScaleBlock(w.dtype, w.cols);
  if (w.layout == MatrixLayout::kRowMajor) return w.scales[n * (w.cols / block) + block_index];
  int64_t per_chunk = 128 / block;
  int64_t c = block_index / per_chunk;
  int64_t chunks = PackedChunks(w.dtype, w.cols);
  return w.scales[(((n / 4) * chunks + c) * 4 + n % 4) * per_chunk + block_index % per_chunk];
}

void DequantizeChunk(const Matrix& w, int64_t n, int64_t c, float* out) {
  const uint8_t* p = ChunkPtr(w, n, c);
  int64_t k0 = c * ElementsPerChunk(w.dtype);
  int64_t count = std::min<int64_t>(ElementsPerChunk(w.dtype), w.cols - k0);
  switch (w.dtype) {
    case DType::kF32: std::memcpy(out, p, static_cast<size_t>(count) * 4); return;
    case DType::kF16:
    case DType::kBF16:
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = w.dtype == DType::kF16 ? F16ToF32(h) : Bf16ToF32(h);
      }
      return;
    case DType::kI8: {
      float s = w.scales[n];
      for (int64_t i = 0; i < count; ++i) out[i] = static_cast<float>(static_cast<int8_t>(p[i])) * s;
      return;
    }
    default: {  // int4: one 128-element group, 128/B scales
      int64_t block = ScaleBlock(w.dtype, w.cols);
      float s[4];
      for (int64_t b = 0; b < 128 / block; ++b) s[b] = ScaleAt(w, n, k0 / block + b);
      const int shift = block == 32 ? 5 : 7;
      for (int64_t i = 0; i < 64; ++i) {
        out[i] = static_cast<float>((p[i] & 15) - 8) * s[i >> shift];
        out[64 + i] = static_cast<float>((p[i] >> 4) - 8) * s[(64 + i) >> shift];
      }
      return;
    }
  }
}

// Row n of a kInt4Rows16 matrix as fp32 (see kernels/pack.h).
void DequantizeRows16Row(const Matrix& w, int64_t n, float* out) {
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  const int64_t block = ScaleBlock(w.dtype, w.cols);
  const int64_t g = n / 16, r = n % 16;
  for (int64_t k = 0; k < w.cols; ++k) {
    const uint8_t byte = base[(g * (w.cols / 8) + k / 8) * 64 + 4 * r + k % 4];
    const int nibble = k % 8 < 4 ? byte & 15 : byte >> 4;
    out[k] = static_cast<float>(nibble - 8) * w.scales[(g * (w.cols / block) + k / block) * 16 + r];
  }
}

}  // namespace

void DequantizeRows(const Matrix& w, int64_t row_begin, int64_t row_end, float* out, int64_t ld) {
  if (w.layout == MatrixLayout::kInt4Rows16) {
    for (int64_t n = row_begin; n < row_end; ++n) DequantizeRows16Row(w, n, out + (n - row_begin) * ld);
    return;
  }
  if (w.dtype == DType::kF32 && w.layout == MatrixLayout::kRowMajor) {
    for (int64_t n = row_begin; n < row_end; ++n) {
      std::memcpy(out + (n - row_begin) * ld, static_cast<const float*>(w.data) + n * w.cols,
                  static_cast<size_t>(w.cols) * 4);
    }
    return;
  }
  int64_t epc = ElementsPerChunk(w.dtype);
  int64_t chunks = (w.cols + epc - 1) / epc;
  for (int64_t n = row_begin; n < row_end; ++n) {
    float* row = out + (n - row_begin) * ld;
    for (int64_t c = 0; c < chunks; ++c) DequantizeChunk(w, n, c, row + c * epc);
  }
}

StatusOr<std::unique_ptr<PackedMatrix>> PackMatrix(const Matrix& stored) {
  const DType t = stored.dtype;
  if (stored.layout != MatrixLayout::kRowMajor) {
    return InvalidArgumentError("PackMatrix: matrix is already packed");
  }
  const NumberFormat& format = NumberFormatOf(t);
  if (!format.packable) {
    return InvalidArgumentError("PackMatrix: unsupported dtype " + std::string(DTypeName(t)));
  }
  if (stored.cols % format.row_group != 0) {
    return InvalidArgumentError("PackMatrix: " + std::string(DTypeName(t)) + " matrix needs cols % " +
                                std::to_string(format.row_group) + " == 0");
  }
  const int64_t rows_p = PackedRows(stored.rows);
  const int64_t chunks = PackedChunks(t, stored.cols);
  const int64_t row_bytes = MatrixRowBytes(t, stored.cols);
  auto packed = std::make_unique<PackedMatrix>();
  packed->data = AlignedBuffer(static_cast<size_t>(rows_p * chunks * 64));
  uint8_t* dst = packed->data.data();
  const uint8_t* src = static_cast<const uint8_t*>(stored.data);
  for (int64_t n = 0; n < stored.rows; ++n) {
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t len = std::min<int64_t>(64, row_bytes - c * 64);
      std::memcpy(dst + ((n / 4) * chunks + c) * 256 + (n % 4) * 64, src + n * row_bytes + c * 64,
                  static_cast<size_t>(len));
    }
  }
  Matrix& v = packed->view;
  v = stored;
  v.layout = MatrixLayout::kPacked4x64;
  v.data = dst;
  v.scales = nullptr;
  if (format.row_sums) {  // int8: a scale and a sum per row
    packed->scales = AlignedBuffer(static_cast<size_t>(rows_p) * 4);
    packed->row_sums = AlignedBuffer(static_cast<size_t>(rows_p) * 4);
    float* s = reinterpret_cast<float*>(packed->scales.data());
    int32_t* sums = reinterpret_cast<int32_t*>(packed->row_sums.data());
    for (int64_t n = 0; n < stored.rows; ++n) {
      s[n] = stored.scales[n];
      int32_t sum = 0;
      for (int64_t k = 0; k < stored.cols; ++k) {
        int8_t q = static_cast<int8_t>(src[n * row_bytes + k]);
        if (q == -128) {  // the AVX2 sign trick and the stored format need [-127, 127]
          return InvalidArgumentError("PackMatrix: int8 weight -128 at row " + std::to_string(n) +
                                      ", col " + std::to_string(k) + " (format allows -127..127)");
        }
        sum += q;
      }
      sums[n] = sum;
    }
    v.scales = s;
    v.row_sums = sums;
  } else if (format.scale_block > 0) {  // int4: 128 / B block scales per chunk
    int64_t per_chunk = 128 / format.scale_block;
    packed->scales = AlignedBuffer(static_cast<size_t>(rows_p * chunks * per_chunk) * 4);
    float* s = reinterpret_cast<float*>(packed->scales.data());
    for (int64_t n = 0; n < stored.rows; ++n) {
      for (int64_t b = 0; b < chunks * per_chunk; ++b) {
        int64_t c = b / per_chunk;
        s[(((n / 4) * chunks + c) * 4 + n % 4) * per_chunk + b % per_chunk] =
            stored.scales[n * chunks * per_chunk + b];
      }
    }
    v.scales = s;
  }
  return packed;
}

StatusOr<std::unique_ptr<PackedMatrix>> PackInt4Rows16(const Matrix& stored, int threads) {
  static_assert(std::endian::native == std::endian::little, "nibble gathering assumes little endian");
  const DType t = stored.dtype;
  if (!IsInt4(t)) {
    return InvalidArgumentError("PackInt4Rows16: unsupported dtype " + std::string(DTypeName(t)));
  }
  if (stored.layout != MatrixLayout::kRowMajor && stored.layout != MatrixLayout::kPacked4x64) {
    return InvalidArgumentError("PackInt4Rows16: matrix is already in the 16-row layout");
  }
  const int64_t k_total = stored.cols, block = ScaleBlock(t, k_total);
  if (k_total % NumberFormatOf(t).row_group != 0) {  // the stored nibble order is defined per group
    return InvalidArgumentError("PackInt4Rows16: int4 matrix needs cols % " +
                                std::to_string(NumberFormatOf(t).row_group) + " == 0, got " +
                                std::to_string(k_total));
  }
  const int64_t rows16 = Rows16Rows(stored.rows), steps = k_total / 8, blocks = k_total / block;
  auto packed = std::make_unique<PackedMatrix>();
  packed->data = AlignedBuffer(static_cast<size_t>(rows16 / 16 * steps * 64));
  packed->scales = AlignedBuffer(static_cast<size_t>(rows16 * blocks) * 4);
  uint8_t* dst = packed->data.data();
  float* scales = reinterpret_cast<float*>(packed->scales.data());
  auto relayout_rows = [&](int64_t row_begin, int64_t row_end) {
    for (int64_t n = row_begin; n < row_end; ++n) {
      const int64_t g = n / 16, r = n % 16;
      uint8_t* row_dst = dst + g * steps * 64 + 4 * r;
      for (int64_t c = 0; c < k_total / 128; ++c) {
        // A stored 128-group is 64 bytes: steps 16c..16c+7 are 8 consecutive low nibbles each,
        // steps 16c+8..16c+15 the high nibbles of the same bytes.
        const uint8_t* src = ChunkPtr(stored, n, c);
        uint8_t* out_step = row_dst + c * 16 * 64;
        for (int half = 0; half < 2; ++half) {
          for (int j = 0; j < 8; ++j, out_step += 64) {
            uint64_t v;
            std::memcpy(&v, src + 8 * j, 8);
            const uint64_t nibbles = (half == 0 ? v : v >> 4) & 0x0f0f0f0f0f0f0f0full;
            const uint32_t out = static_cast<uint32_t>(nibbles) | static_cast<uint32_t>(nibbles >> 32) << 4;
            std::memcpy(out_step, &out, 4);
          }
        }
      }
      for (int64_t b = 0; b < blocks; ++b) scales[(g * blocks + b) * 16 + r] = ScaleAt(stored, n, b);
    }
  };
  // Large matrices are split by 16-row groups over `threads` threads (disjoint outputs).
  const int64_t groups = rows16 / 16;
  const int64_t parts = std::clamp<int64_t>(
      std::min<int64_t>(threads, stored.rows * k_total / (int64_t{1} << 20)), 1, groups);
  std::vector<std::thread> helpers;
  for (int64_t p = 1; p < parts; ++p) {
    helpers.emplace_back(relayout_rows, std::min(stored.rows, groups * p / parts * 16),
                         std::min(stored.rows, groups * (p + 1) / parts * 16));
  }
  relayout_rows(0, std::min(stored.rows, groups / parts * 16));
  for (std::thread& helper : helpers) helper.join();
  Matrix& v = packed->view;
  v = stored;
  v.layout = MatrixLayout::kInt4Rows16;
  v.data = dst;
  v.scales = scales;
  v.row_sums = nullptr;
  return packed;
}

Status PrepareXnnpackQb4w(PackedMatrix& packed) {
  Matrix& v = packed.view;
  const int64_t block = ScaleBlock(v.dtype, v.cols);
  if (!IsInt4(v.dtype) || v.layout != MatrixLayout::kInt4Rows16 || block % 16 != 0) {
    return InvalidArgumentError("PrepareXnnpackQb4w: needs a kInt4Rows16 matrix with blocks of a multiple of 16");
  }
  const int64_t rows16 = Rows16Rows(v.rows), blocks = v.cols / block, steps = v.cols / 8;
  packed.qb4w = AlignedBuffer(static_cast<size_t>(rows16 * blocks + rows16) * sizeof(float));
  float* scales = reinterpret_cast<float*>(packed.qb4w.data());
  float* init = scales + rows16 * blocks;
  for (int64_t i = 0; i < rows16 * blocks; ++i) scales[i] = Bf16ToF32(F32ToBf16(v.scales[i]));
  const uint8_t* data = static_cast<const uint8_t*>(v.data);
  for (int64_t n = 0; n < v.rows; ++n) {
    const int64_t g = n / 16, r = n % 16;
    const uint8_t* p = data + g * steps * 64 + 4 * r;
    float f = 0.0f;
    for (int64_t s = 0; s < steps; s += 2) {  // a chunk of 16 inputs: two steps of 8
      int32_t sum = 0;
      for (int64_t t = s; t < s + 2; ++t) {
        for (int j = 0; j < 4; ++j) sum += (p[t * 64 + j] & 15) + (p[t * 64 + j] >> 4) - 16;
      }
      f -= static_cast<float>(sum) * scales[(g * blocks + 8 * s / block) * 16 + r];
    }
    init[n] = f;
  }
  v.qb4w_scales = scales;
  v.qb4w_init = init;
  return Status::Ok();
}

}  // namespace litertlm

namespace litertlm {
namespace {

#if defined(__x86_64__) && defined(__GNUC__)
#define LITERTLM_PACK_CLONES __attribute__((target_clones("arch=skylake-avx512", "avx2", "default")))
#else
#define LITERTLM_PACK_CLONES
#endif

// Rows [row_begin, row_end): sums[n] = Σ q[n, k], as 64 lane sums over the row's 64-byte chunks
// (so the loops vectorize), and the smallest weight seen (to refuse -128). The lanes add in int16
// (one sign extension and one add per 16 weights; int32 lanes took two extensions and lane
// shuffles, and made this pass over a TFLite file's int8 weights most of its load time) and are
// widened every kFlush chunks: kFlush values of |w| <= 128 sum to at most 32768 in magnitude, and
// only -32768 (all -128, refused anyway) reaches it.
LITERTLM_PACK_CLONES
int8_t RowSumsRange(const int8_t* q, int64_t cols, int64_t row_begin, int64_t row_end, int32_t* sums) {
  constexpr int64_t kFlush = 256;
  int8_t lowest = 0;
  for (int64_t n = row_begin; n < row_end; ++n) {
    const int8_t* row = q + n * cols;
    int32_t sum = 0;
    int8_t low[64];
    for (int j = 0; j < 64; ++j) low[j] = 0;
    for (int64_t start = 0; start < cols; start += kFlush * 64) {
      const int64_t end = std::min(cols, start + kFlush * 64);
      int16_t lane[64] = {};
      for (int64_t k = start; k < end; k += 64) {
        for (int j = 0; j < 64; ++j) {
          lane[j] = static_cast<int16_t>(lane[j] + row[k + j]);
          low[j] = row[k + j] < low[j] ? row[k + j] : low[j];
        }
      }
      for (int j = 0; j < 64; ++j) sum += lane[j];
    }
    for (int j = 0; j < 64; ++j) lowest = low[j] < lowest ? low[j] : lowest;
    sums[n] = sum;
  }
  return lowest;
}

// The matrix is usually a file mapping read for the first time: mapping its pages in one call
// (MADV_POPULATE_READ, Linux 5.14) costs a fraction of taking a page fault per 4 KiB page.
// Elsewhere (older kernels, heap memory) the call fails or does nothing; the reads still work.
void PopulateForRead(const int8_t* data, int64_t bytes) {
#if defined(__linux__)
#ifndef MADV_POPULATE_READ
  constexpr int MADV_POPULATE_READ = 22;
#endif
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) / page * page;
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + static_cast<uintptr_t>(bytes);
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace

Status ComputeI8RowSums(const Matrix& stored, int32_t* sums, int threads) {
  if (stored.dtype != DType::kI8 || stored.layout != MatrixLayout::kRowMajor || stored.cols % 64 != 0 ||
      stored.rows % 4 != 0) {
    return InvalidArgumentError("ComputeI8RowSums: needs a row-major int8 matrix with cols % 64 == 0 and rows % 4 == 0");
  }
  const int8_t* q = static_cast<const int8_t*>(stored.data);
  const int64_t parts = std::clamp<int64_t>(
      std::min<int64_t>(threads, stored.rows * stored.cols / (int64_t{1} << 20)), 1, stored.rows);
  std::vector<int8_t> lowest(static_cast<size_t>(parts), 0);
  auto run = [&](int64_t p) {
    const int64_t begin = stored.rows * p / parts, end = stored.rows * (p + 1) / parts;
    PopulateForRead(q + begin * stored.cols, (end - begin) * stored.cols);
    lowest[static_cast<size_t>(p)] = RowSumsRange(q, stored.cols, begin, end, sums);
  };
  std::vector<std::thread> helpers;
  for (int64_t p = 1; p < parts; ++p) helpers.emplace_back(run, p);
  run(0);
  for (std::thread& helper : helpers) helper.join();
  if (*std::min_element(lowest.begin(), lowest.end()) == -128) {
    for (int64_t n = 0; n < stored.rows; ++n) {
      for (int64_t k = 0; k < stored.cols; ++k) {
        if (q[n * stored.cols + k] == -128) {
          return InvalidArgumentError("int8 weight -128 at row " + std::to_string(n) + ", col " +
                                      std::to_string(k) + " (the int8 kernels take -127..127)");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace litertlm
