// Load-time packing of stored matrices into the kPacked4x64 layout, and row dequantization.
//
// kPacked4x64 (see kernels/matrix.h): rows padded to R = ceil(N/4)·4 (zero rows), each row's
// stored byte stream (MatrixRowBytes) padded with zero bytes to C = PackedChunks(dtype, K) chunks
// of 64 bytes. Byte j of chunk c of row n sits at
//     data[((n/4)·C + c)·256 + (n%4)·64 + j].
// One 64-byte chunk therefore holds 64 int8 weights, 32 halves, or one 128-element int4 group.
// Scales: kI8: R floats (zero for padded rows). kI4Block*: per group g, chunk c, row r = n%4,
// the 128/B block scales of that chunk: scales[((g·C + c)·4 + r)·(128/B) + b].
// row_sums (kI8 only): R int32 = Σ_k q[n, k] (zero for padded rows).
//
// kInt4Rows16 (kI4Block32 / kI4Block128 only, K % 32 == 0 and K % B == 0): the int4 layout the
// int4 kernels read (made at load by PackInt4Rows16). Rows in groups of 16 (N padded to
// R16 = ceil(N/16)·16 with zero bytes and zero scales). Group g is K/8 steps of 64 bytes; in
// step s, byte 4·r + j (r < 16, j < 4) holds q[16g + r, 8s + j] + 8 in its low nibble and
// q[16g + r, 8s + 4 + j] + 8 in its high nibble:
//     data[(g·K/8 + s)·64 + 4·r + j]
// so one 64-byte load carries 8 consecutive inputs of 16 rows, one 32-bit vector lane per row,
// and a broadcast activation feeds all 16 rows. Scales: scales[(g·K/B + b)·16 + r] for block b.
//
// Thread-safety: pure functions; PackedMatrix is immutable after PackMatrix returns.
#ifndef LITERTLM_KERNELS_PACK_H_
#define LITERTLM_KERNELS_PACK_H_

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "kernels/matrix.h"
#include "litertlm/status.h"

namespace litertlm {

// A 64-byte-aligned, zero-initialised byte buffer.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);
  uint8_t* data() { return ptr_.get(); }
  const uint8_t* data() const { return ptr_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> ptr_;
  size_t size_ = 0;
};

// Owns a matrix in the kPacked4x64 layout; view() is what Linear takes.
struct PackedMatrix {
  Matrix view;  // layout kPacked4x64, pointing into the buffers below
  AlignedBuffer data;
  AlignedBuffer scales;
  AlignedBuffer row_sums;
  AlignedBuffer qb4w;  // PrepareXnnpackQb4w: Matrix::qb4w_scales, then Matrix::qb4w_init
};

inline int64_t PackedRows(int64_t rows) { return (rows + 3) / 4 * 4; }
// 64-byte chunks per packed row.
inline int64_t PackedChunks(DType dtype, int64_t cols) {
  return (MatrixRowBytes(dtype, cols) + 63) / 64;
}
// Elements of K covered by one 64-byte chunk (64 int8, 32 f16/bf16, 128 int4, 16 f32).
int64_t ElementsPerChunk(DType dtype);

// Where the int8 kernels find the 64 bytes of chunk c of weight row n = 4g + r:
//     data + g·group + r·row + c·chunk.
// kPacked4x64: {C·256, 64, 256}. kRowMajor (a stored int8 matrix used in place, without a
// packed copy; see RowMajorI8InPlace): {4·K, K, 64}.
struct I8Strides {
  int64_t group;
  int64_t row;
  int64_t chunk;
};
inline I8Strides I8StridesOf(const Matrix& w) {
  if (w.layout == MatrixLayout::kRowMajor) return {4 * w.cols, w.cols, 64};
  return {PackedChunks(w.dtype, w.cols) * 256, 64, 256};
}

// True if the int8 kernels can read this kI8 kRowMajor matrix where it lies: whole 64-byte
// chunks (K % 64 == 0), whole 4-row groups (N % 4 == 0; the kernels read 4 rows at a time)
// and row sums set (ComputeI8RowSums).
inline bool RowMajorI8InPlace(const Matrix& w) {
  return w.dtype == DType::kI8 && w.layout == MatrixLayout::kRowMajor && w.cols % 64 == 0 &&
         w.rows % 4 == 0 && w.row_sums != nullptr && w.scales != nullptr;
}
// True if the int8 kernels (KernelTable's gemv_i8, gemm_i8, gemm_i8_tiles, gemv_i8_weight_only)
// read w: kPacked4x64, or kRowMajor in place.
inline bool I8KernelsRead(const Matrix& w) {
  return w.dtype == DType::kI8 &&
         ((w.layout == MatrixLayout::kPacked4x64 && w.row_sums != nullptr) || RowMajorI8InPlace(w));
}

// sums[n] = Σ_k q[n, k] of a kRowMajor kI8 matrix with K % 64 == 0 and N % 4 == 0, over up to
// `threads` threads. InvalidArgument for other shapes or a weight of -128 (the kernels' formats
// are symmetric, -127..127), naming its row and column.
Status ComputeI8RowSums(const Matrix& stored, int32_t* sums, int threads = 1);

// Packs a kRowMajor kI8 / kI4Block32 / kI4Block128 / kF16 / kBF16 matrix (keeps
// `dynamic_activations`). InvalidArgument for other dtypes, an already packed matrix, an int4
// matrix with cols % 128 != 0, or an int8 weight of -128 (the format is symmetric, -127..127).
StatusOr<std::unique_ptr<PackedMatrix>> PackMatrix(const Matrix& stored);

// Re-lays a kI4Block32 / kI4Block128 matrix (kRowMajor or kPacked4x64) into kInt4Rows16,
// keeping its activation flags. InvalidArgument for other dtypes / layouts or K % 128 != 0 (the
// stored nibble order). Matrices of ≥ 1 Mi elements are split over up to `threads` threads.
StatusOr<std::unique_ptr<PackedMatrix>> PackInt4Rows16(const Matrix& stored, int threads = 1);
inline int64_t Rows16Rows(int64_t rows) { return (rows + 15) / 16 * 16; }

// Gives a kInt4Rows16 matrix made by PackInt4Rows16 the form XNNPACK packs blockwise int4
// weights into (Matrix::qb4w_scales, Matrix::qb4w_init; owned by `packed`, in qb4w, and set in
// packed.view). XNNPACK's steps (its fp16 → bf16 scale conversion at operator creation, then the
// qb4w weight packing, with an input zero point of 1): each scale s becomes bf16(s); per row,
// init = 0, then for each chunk of 16 inputs in k order init = init − float(Σ q_w)·bf16(s_block)
// (the product is exact: ≤ 8 bits times an 8-bit significand). InvalidArgument for another
// layout or a block size that is not a multiple of 16.
Status PrepareXnnpackQb4w(PackedMatrix& packed);

// out[(n - row_begin)·ld + k] = W[n, k] as fp32 for row_begin ≤ n < row_end, k < cols, in either
// layout and any dtype (F32, F16, BF16, I8, I4Block*; kInt4Rows16 too); ld ≥ cols.
void DequantizeRows(const Matrix& w, int64_t row_begin, int64_t row_end, float* out, int64_t ld);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_PACK_H_
