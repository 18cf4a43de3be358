// The one interface the model uses for its matrix products.
//
//   KernelContext ctx(/*num_threads=*/0);          // 0 = DefaultThreadCount(); one per Session
//   ASSIGN_OR_RETURN(auto q, QuantizeMatrix(w, N, K, DType::kI8));   // or from the file
//   ASSIGN_OR_RETURN(auto packed, PackMatrix(q.view()));  // once (the converter stores it packed)
//   Linear(ctx, packed->view, x, m, y);            // y[m×N] = x[m×K] · Wᵀ
//
// Routing (kernels/linear.cc): Matrix::xnnpack_fma_order (fp32/fp16/bf16) → one FMA chain per
// output in k order (XNNPACK's f32-gemm, kernels/xnnpack_float.h). fp32 → OpenBLAS (sgemv for M = 1, never sgemm). Packed kI8
// dynamic → int8 GEMV (M = 1) / int8 GEMM or "dequantize panel → sgemm" (M > 1, per
// KernelContext::Int8GemmPath); the int8 kernels get 16-bit activations by default (each row
// split into two int8 rows, kernels/quantize.h; on levels without VNNI, M > 1 takes them as int16
// in one pass instead, KernelTable::gemm_i8_wide16), or 8-bit ones (KernelContext::Int8Activations;
// Matrix::activations16 = false, the int8 tensors of int4 files). Packed kI8 weight-only, kF16,
// kBF16 → widening GEMV (M = 1) / dequantize panel → sgemm. kI4Block* in kInt4Rows16 (what the
// loader makes of every int4 matrix) → the 16-row interleaved int4 GEMV/GEMM, any M, symmetric or
// qd8 (Matrix::asymmetric_activations) activations, in integers; with Matrix::qb4w_scales (int4
// TFLite files in google mode) XNNPACK's qd8 × qb4w arithmetic instead. kI4Block* in kPacked4x64 → int4
// GEMV per activation row over cache-sized tiles of weight rows (M ≤ 4, or any M with the int8
// GEMM path) / dequantize → sgemm.
// Unpacked non-fp32 matrices → dequantize panel → sgemv/sgemm (correct, slow: pack at load).
// Work is split over N across ctx's ThreadPool; OpenBLAS runs single-threaded inside each part.
#ifndef LITERTLM_KERNELS_LINEAR_H_
#define LITERTLM_KERNELS_LINEAR_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernels/matrix.h"
#include "util/thread_pool.h"

namespace litertlm {

struct KernelTable;

// Threads + scratch for Linear. Buffers only grow, so after the first call of each shape the
// decode path allocates nothing. Not thread-safe: one context per concurrently running caller
// (e.g. per Session).
class KernelContext {
 public:
  // How dynamic-int8 matrices are multiplied when M > 1.
  enum class Int8GemmPath {
    kAuto,          // dynamic int8: the integer GEMM where the level has VNNI or gemm_i8_wide16 (AVX2), else sgemm
    kInt8,          // our integer GEMM at the active ISA level
    kDequantSgemm,  // dequantize weight panels to fp32, then OpenBLAS sgemm (fp32 activations)
  };

  // Activation precision of the dynamic int8 GEMV/GEMM (kI8 with dynamic_activations).
  enum class Int8Activations {
    // Default. Each activation row quantized to 16 bits (one scale per row) and multiplied as two
    // int8 rows (q = 256·hi + lo): the integer kernels at twice the multiply-adds, with the
    // accuracy of fp32 activations. Per-row 8-bit scales lose Gemma 3's outlier channels
    // (benchmarks/RESULTS.md, "dynamic_int8 activations").
    k16Bit,
    k8Bit,  // one int8 row per activation row (llama.cpp-style speed, less exact)
  };


  // num_threads ≤ 0 → DefaultThreadCount() (util/cpu_info.h). Sets OpenBLAS to 1 thread (see
  // kernels/blas.h): the pool splits N and calls OpenBLAS once per part.
  // The initial Int8Activations is k16Bit unless LITERTLM_INT8_ACTIVATION_BITS=8 is set in the
  // environment (read once; for benchmarking and comparison).
  explicit KernelContext(int num_threads = 0);
  // Runs its parallel work on `pool`, which may be shared with other contexts (e.g. all
  // sessions of one Engine): their jobs then take turns (see ThreadPool). Scratch stays per
  // context.
  explicit KernelContext(std::shared_ptr<ThreadPool> pool);
  ~KernelContext();
  KernelContext(const KernelContext&) = delete;
  KernelContext& operator=(const KernelContext&) = delete;

  int num_threads() const { return pool_->num_threads(); }
  ThreadPool& pool() { return *pool_; }
  const std::shared_ptr<ThreadPool>& shared_pool() const { return pool_; }
  void set_int8_gemm_path(Int8GemmPath p) { int8_gemm_path_ = p; }
  Int8GemmPath int8_gemm_path() const { return int8_gemm_path_; }
  void set_int8_activations(Int8Activations a) { int8_activations_ = a; }
  Int8Activations int8_activations() const { return int8_activations_; }
  // Kernel level used by this context (default: ActiveKernels()); tests/benchmarks may pin one.
  void set_kernels(const KernelTable* t) { kernels_ = t; }
  const KernelTable& kernels() const { return *kernels_; }

  // Scratch, grown on demand (internal to the kernels).
  int8_t* xq(size_t bytes);
  float* xscale(size_t count);
  float* xpad(size_t count);
  float* xround(size_t count);
  int8_t* xtiles(size_t bytes);
  int16_t* xwide(size_t count);  // 16-bit activation tiles (KernelTable::gemm_i8_wide16)
  uint8_t* wide_tiles(size_t count);  // activations laid out for gemm_i8_tiles (KernelTable::pack_i8_tiles)
  int32_t* acc(size_t count);  // int32 accumulators (asymmetric int8 GEMV)  // activations rounded as XNNPACK's qd8 (Matrix::asymmetric_activations)
  float* panel(int thread, size_t count);

 private:
  std::shared_ptr<ThreadPool> pool_;
  const KernelTable* kernels_;
  Int8GemmPath int8_gemm_path_ = Int8GemmPath::kAuto;
  Int8Activations int8_activations_;
  std::vector<int8_t> xq_;
  std::vector<int8_t> xtiles_;
  std::vector<int16_t> xwide_;
  std::vector<uint8_t> wide_tiles_;
  std::vector<float> xscale_;
  std::vector<float> xpad_;
  std::vector<float> xround_;
  std::vector<int32_t> acc_;
  std::vector<std::vector<float>> panels_;
};

// y[m, n] = Σ_k x[m, k] · W[n, k] for m < M: x is M × W.cols (row-major, fp32), y is M × W.rows.
// M = 1 is the decode path (a GEMV; never sent through sgemm).
void Linear(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y);

// Linear of several matrices on one input (q/k/v, gate/up): y[j] = Linear(w[j], x). When they all
// take the same int8 route and m > 1, x is quantized (and laid out for the tiles) once and the
// products run as one job across the pool; otherwise each matrix is one Linear. Results equal
// the separate calls'.
void LinearSameInput(KernelContext& ctx, std::span<const Matrix* const> w, const float* x, int64_t m,
                     std::span<float* const> y);

// Same, with a per-calling-thread single-threaded context (convenience for tools and tests; the
// model should pass its Session's KernelContext).
void Linear(const Matrix& w, const float* x, int64_t m, float* y);

// out[k] = W[row, k] as fp32 (embedding lookup), W.cols values, any dtype and layout.
void MatrixRow(const Matrix& w, int64_t row, float* out);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_LINEAR_H_
