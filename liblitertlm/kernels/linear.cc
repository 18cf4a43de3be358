#include "kernels/linear.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>
#include <string_view>
#include <vector>

#include "kernels/blas.h"
#include "kernels/quantize.h"
#include "kernels/kernel_table.h"
#include "kernels/pack.h"
#include "kernels/xnnpack_float.h"
#include "util/cpu_info.h"

namespace litertlm {

namespace {
KernelContext::Int8Activations DefaultInt8Activations() {
  static const KernelContext::Int8Activations a = [] {
    const char* v = std::getenv("LITERTLM_INT8_ACTIVATION_BITS");
    return v != nullptr && std::string_view(v) == "8" ? KernelContext::Int8Activations::k8Bit
                                                       : KernelContext::Int8Activations::k16Bit;
  }();
  return a;
}
}  // namespace

KernelContext::KernelContext(int num_threads)
    : KernelContext(std::make_shared<ThreadPool>(num_threads > 0 ? num_threads : DefaultThreadCount())) {}

KernelContext::KernelContext(std::shared_ptr<ThreadPool> pool)
    : pool_(std::move(pool)),
      kernels_(&ActiveKernels()),
      int8_activations_(DefaultInt8Activations()) {
  // Parallelism comes from the pool (see kernels/blas.h): OpenBLAS runs single-threaded inside
  // each part, so `--threads 1` really is one compute thread (OpenBLAS's own workers would
  // otherwise spin on the other cores).
  BlasSetNumThreads(1);
  panels_.resize(static_cast<size_t>(pool_->num_threads()));
}

KernelContext::~KernelContext() = default;

namespace {
// The scratch vector v grown to at least n elements (never shrunk): its data.
template <typename T>
T* GrownTo(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
}  // namespace

int8_t* KernelContext::xq(size_t bytes) { return GrownTo(xq_, bytes); }
float* KernelContext::xscale(size_t count) { return GrownTo(xscale_, count); }
float* KernelContext::xpad(size_t count) { return GrownTo(xpad_, count); }
float* KernelContext::xround(size_t count) { return GrownTo(xround_, count); }
int8_t* KernelContext::xtiles(size_t bytes) {
  // 64-byte aligned: a tile row that straddles two cache lines costs two loads.
  int8_t* p = GrownTo(xtiles_, bytes + 64);
  const auto at = reinterpret_cast<uintptr_t>(p);
  return p + ((64 - at % 64) % 64);
}
int16_t* KernelContext::xwide(size_t count) { return GrownTo(xwide_, count); }
uint8_t* KernelContext::wide_tiles(size_t count) { return GrownTo(wide_tiles_, count); }
int32_t* KernelContext::acc(size_t count) { return GrownTo(acc_, count); }
float* KernelContext::panel(int thread, size_t count) {
  return GrownTo(panels_[static_cast<size_t>(thread)], count);
}

namespace {

// Below this many multiply-adds a task is not worth waking another thread for (a wake-up costs
// microseconds, far more on an oversubscribed host): small matrices run on the calling thread.
constexpr int64_t kMinMacsPerTask = 1 << 16;

// fp32 W through OpenBLAS, N split across the pool.
void LinearF32(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const float* wd = static_cast<const float*>(w.data);
  const int64_t grain = std::max<int64_t>(16, kMinMacsPerTask / std::max<int64_t>(1, w.cols * m));
  ctx.pool().ParallelForGrain(w.rows, grain, [&](int64_t n0, int64_t n1) {
    BlasLinearF32(wd + n0 * w.cols, n1 - n0, w.cols, x, m, y + n0, w.rows);
  });
}

// Any dtype/layout: dequantize panels of rows to fp32, then sgemv/sgemm on each panel.
void LinearDequantBlas(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const int threads = ctx.num_threads();
  // Panels of ~1 MiB of fp32 (in L2 when sgemm reads them); at least 16 rows.
  const int64_t panel_rows = std::max<int64_t>(16, (1 << 18) / std::max<int64_t>(w.cols, 1));
  for (int t = 0; t < threads; ++t) ctx.panel(t, static_cast<size_t>(panel_rows * w.cols));
  const int64_t parts = std::min<int64_t>(
      {threads, (w.rows + 15) / 16, std::max<int64_t>(1, w.rows * w.cols * m / kMinMacsPerTask)});
  ctx.pool().ParallelFor(parts, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t r0 = w.rows * p / parts / 4 * 4;
      const int64_t r1 = p + 1 == parts ? w.rows : w.rows * (p + 1) / parts / 4 * 4;
      float* panel = ctx.panel(static_cast<int>(p), 0);
      for (int64_t n0 = r0; n0 < r1; n0 += panel_rows) {
        const int64_t n1 = std::min(r1, n0 + panel_rows);
        DequantizeRows(w, n0, n1, panel, w.cols);
        BlasLinearF32(panel, n1 - n0, w.cols, x, m, y + n0, w.rows);
      }
    }
  });
}

// Splits the 4-row groups of w over the pool in kChunksPerThread chunks per thread, taken
// dynamically; fn(n_begin, n_end) with multiples of 4. A row's result does not depend on which
// thread computes it, and decode is memory-bound: on this VM one core's stream can run 10–20 %
// slower than the other's for a whole process, and with a static split the faster one then waits.
constexpr int64_t kChunksPerThread = 8;
// Groups per chunk for `groups` groups of group_rows rows of K = cols, about chunks_per_thread
// chunks per thread.
int64_t GroupChunk(const KernelContext& ctx, int64_t groups, int64_t group_rows, int64_t cols,
                   int64_t chunks_per_thread = kChunksPerThread) {
  const int64_t grain = std::max<int64_t>(1, kMinMacsPerTask / std::max<int64_t>(1, group_rows * cols));
  return std::max(grain, groups / (chunks_per_thread * ctx.num_threads()));
}
template <typename Fn>
void ForRowGroupsOf(KernelContext& ctx, const Matrix& w, int64_t group_rows, const Fn& fn,
                    int64_t chunks_per_thread = kChunksPerThread) {
  const int64_t groups = (w.rows + group_rows - 1) / group_rows;
  const int64_t chunk = GroupChunk(ctx, groups, group_rows, w.cols, chunks_per_thread);
  ctx.pool().ParallelForDynamic(
      groups, chunk, [&](int64_t g0, int64_t g1) { fn(g0 * group_rows, g1 * group_rows); });
}
template <typename Fn>
void ForRowGroups(KernelContext& ctx, const Matrix& w, const Fn& fn) {
  ForRowGroupsOf(ctx, w, 4, fn);
}

// fn(i) for every activation row: inline for one row (decode), spread over the pool otherwise.
template <typename Fn>
void ForEachActivationRow(KernelContext& ctx, int64_t m, const Fn& fn) {
  if (m == 1) {
    fn(0);
    return;
  }
  ctx.pool().ParallelFor(m, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) fn(i);
  });
}

// The int8 kernel for args.m int8 rows: gemv_i8 for one activation row (`one_row`), the tile
// GEMM from tiles_min_rows rows (after laying the activations out once per call, not once per
// row range), else gemm_i8; and the row granularity to split the weights by (the tile GEMM
// works best on whole runs of tiles_row_block rows).
// ForRowGroupsOf's chunks per thread for the tile GEMM (I8Plan) from kTileChunksMinRows int8
// rows on (a prefill); below (batched decode: memory-bound, where the many small chunks balance
// the two cores' unequal streams) the usual kChunksPerThread.
constexpr int64_t kTileChunksPerThread = 2;
constexpr int64_t kTileChunksMinRows = 64;
using I8Kernel = void (*)(const I8GemmArgs&);
struct I8Plan {
  I8Kernel kernel;
  int64_t group_rows;
  // Chunks of row groups per thread (ForRowGroupsOf): the tile GEMM takes few large ones, since
  // it fetches a chunk's next weights while it multiplies the current ones, so only a chunk's
  // first weights come from memory unannounced.
  int64_t chunks_per_thread = kChunksPerThread;
};
I8Plan PlanI8(KernelContext& ctx, I8GemmArgs& args, bool one_row) {
  const KernelTable& kt = ctx.kernels();
  if (one_row) return {kt.gemv_i8, 4};
  if (kt.gemm_i8_tiles == nullptr || args.m < kt.tiles_min_rows) return {kt.gemm_i8, 4};
  int8_t* tiles = ctx.xtiles(static_cast<size_t>(kt.i8_tiles_bytes(args.m, args.ldx)));
  // The layout is per block of 16 rows (i8_tiles_bytes(16, ldx) bytes each), so a prefill's
  // blocks are laid out across the pool.
  const int64_t block_rows = 16, blocks = (args.m + block_rows - 1) / block_rows;
  const int64_t block_bytes = kt.i8_tiles_bytes(block_rows, args.ldx);
  auto pack = [&](int64_t b0, int64_t b1) {
    const int64_t rows = std::min(args.m, b1 * block_rows) - b0 * block_rows;
    kt.pack_i8_tiles(args.xq + b0 * block_rows * args.ldx, rows, args.ldx, tiles + b0 * block_bytes);
  };
  if (blocks >= 4) {
    ctx.pool().ParallelFor(blocks, pack);
  } else {
    pack(0, blocks);
  }
  args.xq_tiles = tiles;
  return {kt.gemm_i8_tiles, kt.tiles_row_block,
          args.m >= kTileChunksMinRows ? kTileChunksPerThread : kChunksPerThread};
}

// The kernel arguments every int8 route starts from: `rows` int8 activation rows of ldx bytes,
// results of w.rows per activation row.
I8GemmArgs I8Args(const Matrix& w, const int8_t* xq, const float* xs, int64_t rows, int64_t ldx) {
  I8GemmArgs args;
  args.w = &w;
  args.xq = xq;
  args.xscale = xs;
  args.m = rows;
  args.ldx = ldx;
  args.ldy = w.rows;
  return args;
}

// Runs the kernel PlanI8 picks over w's rows across the pool; after(n0, n1), if given, runs on
// each part's rows once the kernel has written them.
template <typename After>
void RunI8(KernelContext& ctx, const Matrix& w, I8GemmArgs& args, bool one_row, const After& after) {
  const I8Plan plan = PlanI8(ctx, args, one_row);
  ForRowGroupsOf(ctx, w, plan.group_rows, [&](int64_t n0, int64_t n1) {
    I8GemmArgs part = args;
    part.n_begin = n0;
    part.n_end = n1;
    plan.kernel(part);
    after(n0, n1);
  }, plan.chunks_per_thread);
}
void RunI8(KernelContext& ctx, const Matrix& w, I8GemmArgs& args, bool one_row) {
  RunI8(ctx, w, args, one_row, [](int64_t, int64_t) {});
}

// At most this many matrices share one input (q/k/v); more are run one Linear each.
constexpr size_t kMaxSameInput = 4;

// The int8 kernels' routes (activations quantized per row on the fly); kNone: another path.
// kWide16: 16-bit activations as int16 in one pass (KernelTable::gemm_i8_wide16), for
// m ≥ kWide16MinRows on levels that have it (AVX2); the same results as kDynamic16.
enum class I8Route { kNone, kAsymmetric, kDynamic8, kDynamic16, kWide16 };

// m activation rows of K = cols quantized for `route` into the context's buffers: `rows` int8
// rows of ldx bytes (2 per activation row for kDynamic16: hi, lo), one scale per activation row,
// and zero points for kAsymmetric (else nullptr).
struct QuantizedRows {
  int8_t* xq;
  float* xs;
  int32_t* zp;
  int64_t rows;
  int64_t ldx;
};
QuantizedRows QuantizeRows(KernelContext& ctx, I8Route route, const float* x, int64_t m, int64_t cols) {
  const KernelTable& kt = ctx.kernels();
  QuantizedRows q;
  q.ldx = PackedChunks(DType::kI8, cols) * 64;
  q.rows = route == I8Route::kDynamic16 ? 2 * m : m;
  q.xq = ctx.xq(static_cast<size_t>(q.rows * q.ldx));
  q.xs = ctx.xscale(static_cast<size_t>(m));
  q.zp = route == I8Route::kAsymmetric ? ctx.acc(static_cast<size_t>(m)) : nullptr;
  ForEachActivationRow(ctx, m, [&](int64_t i) {
    const float* xi = x + i * cols;
    switch (route) {
      case I8Route::kAsymmetric:
        q.xs[i] = AsymmetricQuantizeActivationRow(xi, cols, q.ldx, q.xq + i * q.ldx, &q.zp[i]);
        break;
      case I8Route::kDynamic16:
        q.xs[i] = kt.quantize_row16(xi, cols, q.ldx, q.xq + 2 * i * q.ldx, q.xq + (2 * i + 1) * q.ldx);
        break;
      default: q.xs[i] = kt.quantize_row(xi, cols, q.ldx, q.xq + i * q.ldx); break;
    }
  });
  return q;
}

// Rows through XNNPACK's qd8 product, in integers: q_i = the asymmetric int8 quantization of
// row i (zero point zp_i, scale s_i); y[i,n] = (Σ_k w[n,k]·q_i[k] − zp_i·Σ_k w[n,k])·s_i·w_scale[n].
// The int8 kernels give Σ_k w[n,k]·q_i[k] exactly (q may be −128: weights are within ±127).
void LinearI8Asymmetric(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const QuantizedRows q = QuantizeRows(ctx, I8Route::kAsymmetric, x, m, w.cols);
  I8GemmArgs args = I8Args(w, q.xq, q.xs, q.rows, q.ldx);
  args.y = y;
  args.zero_point = q.zp;  // the kernels subtract zp_i·Σ_k w[n,k] in their epilogue
  RunI8(ctx, w, args, m == 1);
}

void LinearI8Dynamic(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const QuantizedRows q = QuantizeRows(ctx, I8Route::kDynamic8, x, m, w.cols);
  I8GemmArgs args = I8Args(w, q.xq, q.xs, q.rows, q.ldx);
  args.y = y;
  RunI8(ctx, w, args, m == 1);
}

// 16-bit activations (KernelContext::Int8Activations::k16Bit): activation row i becomes the int8
// rows 2i (hi) and 2i + 1 (lo) with q = 256·hi + lo; the int8 kernels compute both exact int32
// sums over each weight tile, then y = (256·Σhi·w + Σlo·w) · xscale · wscale (in int64, so no
// overflow at any K the kernels take).
void LinearI8Dynamic16(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const QuantizedRows rows = QuantizeRows(ctx, I8Route::kDynamic16, x, m, w.cols);
  const float* xs = rows.xs;
  I8GemmArgs args = I8Args(w, rows.xq, rows.xs, rows.rows, rows.ldx);
  if (m > 1 && ctx.kernels().gemm_i8_split16) {  // the kernel combines the halves in its epilogue
    args.split16 = true;
    args.y = y;
    RunI8(ctx, w, args, false);
    return;
  }
  int32_t* acc = ctx.acc(static_cast<size_t>(2 * m * w.rows));
  args.acc = acc;
  RunI8(ctx, w, args, m == 1, [&](int64_t n0, int64_t n1) {
    const int64_t end = std::min(n1, w.rows);
    for (int64_t i = 0; i < m; ++i) {
      const int32_t* hi = acc + 2 * i * w.rows;
      const int32_t* lo = hi + w.rows;
      float* yi = y + i * w.rows;
      for (int64_t n = n0; n < end; ++n) {
        yi[n] = Split16Output(hi[n], lo[n], xs[i], w.scales[n]);
      }
    }
  });
}

// kWide16: the rows' 16-bit quantization (QuantizeActivationRow16's q = 256·hi + lo and scales,
// bit for bit) laid out in tiles of 16 rows (KernelTable::wide16_tile) for gemm_i8_wide16
// (I8Wide16Args), then every matrix of `ws` (one input, K = cols) over its rows, as one job
// across the pool.
void LinearWide16(KernelContext& ctx, std::span<const Matrix* const> ws, const float* x, int64_t m,
                  std::span<float* const> ys) {
  const KernelTable& kt = ctx.kernels();
  const int64_t cols = ws[0]->cols, ldk = PackedChunks(DType::kI8, cols) * 64, tiles = (m + kWide16TileRows - 1) / kWide16TileRows;
  int16_t* xt = ctx.xwide(static_cast<size_t>(tiles * kWide16TileRows * ldk));
  uint8_t* wide = ctx.wide_tiles(static_cast<size_t>(tiles));
  float* xs = ctx.xscale(static_cast<size_t>(m));
  auto lay_out = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = t * kWide16TileRows;
      wide[t] = kt.wide16_tile(x + i0 * cols, std::min(kWide16TileRows, m - i0), cols, ldk,
                               xt + i0 * ldk, xs + i0);
    }
  };
  if (tiles >= 2) {
    ctx.pool().ParallelFor(tiles, lay_out);
  } else {
    lay_out(0, tiles);
  }
  std::array<I8Wide16Args, kMaxSameInput> args;
  std::array<int64_t, kMaxSameInput + 1> first_group{};
  for (size_t j = 0; j < ws.size(); ++j) {
    I8Wide16Args& a = args[j];
    a.w = ws[j];
    a.xt = xt;
    a.wide_tiles = wide;
    a.ldk = ldk;
    a.xscale = xs;
    a.m = m;
    a.y = ys[j];
    a.ldy = ws[j]->rows;
    first_group[j + 1] = first_group[j] + (ws[j]->rows + 3) / 4;
  }
  const int64_t groups = first_group[ws.size()];
  ctx.pool().ParallelForDynamic(groups, GroupChunk(ctx, groups, 4, ldk), [&](int64_t g0, int64_t g1) {
    for (size_t j = 0; j < ws.size(); ++j) {
      const int64_t lo = std::max(g0, first_group[j]), hi = std::min(g1, first_group[j + 1]);
      if (lo >= hi) continue;
      I8Wide16Args part = args[j];
      part.n_begin = (lo - first_group[j]) * 4;
      part.n_end = (hi - first_group[j]) * 4;
      kt.gemm_i8_wide16(part);
    }
  });
}

void LinearFloatGemv(KernelContext& ctx, const Matrix& w, const float* x, float* y) {
  const KernelTable& kt = ctx.kernels();
  const int64_t padded = PackedChunks(w.dtype, w.cols) * ElementsPerChunk(w.dtype);
  float* xp = ctx.xpad(static_cast<size_t>(padded));
  std::memcpy(xp, x, static_cast<size_t>(w.cols) * sizeof(float));
  std::fill(xp + w.cols, xp + padded, 0.0f);
  auto kernel = w.dtype == DType::kI8 ? kt.gemv_i8_weight_only : kt.gemv_f16;
  ForRowGroups(ctx, w, [&](int64_t n0, int64_t n1) {
    FloatGemvArgs a;
    a.w = &w;
    a.x = xp;
    a.n_begin = n0;
    a.n_end = n1;
    a.y = y;
    kernel(a);
  });
}

// The int4 kernels' arguments for m activation rows of ldx int8 values, y of w.rows per row.
I4GemmArgs I4Args(const Matrix& w, const int8_t* xq, const float* xs, int64_t m, int64_t ldx, float* y) {
  I4GemmArgs args;
  args.w = &w;
  args.xq = xq;
  args.xscale = xs;
  args.m = m;
  args.ldx = ldx;
  args.y = y;
  args.ldy = w.rows;
  return args;
}

// int4 weights, any m: over tiles of weight rows small enough (~16 KiB) to stay in L1/L2 while
// every activation row passes over them, so a prefill reads the weights from memory once and
// multiplies in int8 (VNNI) instead of dequantizing to fp32 for sgemm; with AVX-512 VNNI two
// activation rows share each unpacked weight chunk (gemm_i4), elsewhere one GEMV per row.
// Results are bit-identical to one GEMV per row.
void LinearI4(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const KernelTable& kt = ctx.kernels();
  const int64_t ldx = PackedChunks(w.dtype, w.cols) * 128;
  int8_t* xq = ctx.xq(static_cast<size_t>(m * ldx));
  float* xs = ctx.xscale(static_cast<size_t>(m));
  ForEachActivationRow(ctx, m, [&](int64_t i) {
    xs[i] = kt.quantize_row(x + i * w.cols, w.cols, ldx, xq + i * ldx);
  });
  const int64_t tile = std::max<int64_t>(4, (16 << 10) / std::max<int64_t>(1, w.cols / 2) / 4 * 4);
  ForRowGroups(ctx, w, [&](int64_t n0, int64_t n1) {
    for (int64_t t0 = n0; t0 < n1; t0 += tile) {
      const int64_t t1 = std::min(n1, t0 + tile);
      if (kt.gemm_i4 != nullptr) {  // all rows: each weight chunk is unpacked once per 2 rows
        I4GemmArgs a = I4Args(w, xq, xs, m, ldx, y);
        a.n_begin = t0;
        a.n_end = t1;
        kt.gemm_i4(a);
        continue;
      }
      for (int64_t i = 0; i < m; ++i) {
        I4GemvArgs a;
        a.w = &w;
        a.xq = xq + i * ldx;
        a.xscale = xs[i];
        a.n_begin = t0;
        a.n_end = t1;
        a.y = y + i * w.rows;
        kt.gemv_i4(a);
      }
    }
  });
}

// int4 weights in kInt4Rows16 (kernels/pack.h), any m: each activation row is quantized once
// (symmetric, or XNNPACK's qd8 with a zero point for Matrix::asymmetric_activations) with its
// per-block corrections (I4GemmArgs), then gemm_i4r16 runs over groups of 16 weight rows split
// across the pool; every activation row passes over a group while it is in L1. The kernels'
// results do not depend on m, the split or the level.
void LinearI4Rows16(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const KernelTable& kt = ctx.kernels();
  const int64_t k = w.cols, block = ScaleBlock(w.dtype, k), blocks = k / block;
  int8_t* xq = ctx.xq(static_cast<size_t>(m * k));
  float* xs = ctx.xscale(static_cast<size_t>(m));
  int32_t* xcorr = ctx.acc(static_cast<size_t>(m * (blocks + 1)));
  int32_t* zp = w.asymmetric_activations ? xcorr + m * blocks : nullptr;
  auto quantize = [&](int64_t i) {
    int8_t* q = xq + i * k;
    if (zp != nullptr) {
      xs[i] = AsymmetricQuantizeActivationRow(x + i * k, k, k, q, &zp[i]);
    } else {
      xs[i] = kt.quantize_row(x + i * k, k, k, q);
    }
    // Nibbles are q_w + 8: Σ nib·q = Σ q_w·q + 8·Σ q; with a zero point, the kernel's
    // −zp·Σ nib and this +8·zp·B make Σ q_w·(q − zp).
    const int32_t zero_point_term = zp != nullptr ? 8 * zp[i] * static_cast<int32_t>(block) : 0;
    for (int64_t b = 0; b < blocks; ++b) {
      int32_t sum = 0;
      for (int64_t j = b * block; j < (b + 1) * block; ++j) sum += q[j];
      xcorr[i * blocks + b] = zero_point_term - 8 * sum;
    }
  };
  ForEachActivationRow(ctx, m, quantize);
  I4GemmArgs args = I4Args(w, xq, xs, m, k, y);
  args.xcorr = xcorr;
  args.ldcorr = blocks;
  args.zero_point = zp;
  ForRowGroupsOf(ctx, w, 16, [&](int64_t n0, int64_t n1) {
    I4GemmArgs part = args;
    part.n_begin = n0;
    part.n_end = n1;
    kt.gemm_i4r16(part);
  });
}

// Matrix::qb4w_scales (kInt4Rows16): XNNPACK's qd8 × qb4w. Each activation row is quantized once
// (its qd8) with four corrections per block, one per XNNPACK lane (I4GemmArgs), then
// gemm_i4r16_xnnpack runs over groups of 16 weight rows split across the pool.
void LinearI4Xnnpack(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  const KernelTable& kt = ctx.kernels();
  const int64_t k = w.cols, block = ScaleBlock(w.dtype, k), blocks = k / block;
  int8_t* xq = ctx.xq(static_cast<size_t>(m * k));
  float* xs = ctx.xscale(static_cast<size_t>(m));
  int32_t* xcorr = ctx.acc(static_cast<size_t>(m * (4 * blocks + 1)));
  int32_t* zp = xcorr + m * 4 * blocks;
  ForEachActivationRow(ctx, m, [&](int64_t i) {
    int8_t* q = xq + i * k;
    xs[i] = AsymmetricQuantizeActivationRow(x + i * k, k, k, q, &zp[i]);
    // Nibbles are q_w + 8: Σ nib·q = Σ q_w·q + 8·Σ q, per lane ((k mod 8) / 2).
    int32_t* corr = xcorr + i * 4 * blocks;
    std::fill(corr, corr + 4 * blocks, 0);
    for (int64_t j = 0; j < k; ++j) corr[4 * (j / block) + (j % 8) / 2] -= 8 * q[j];
  });
  I4GemmArgs args = I4Args(w, xq, xs, m, k, y);
  args.xcorr = xcorr;
  args.ldcorr = 4 * blocks;
  args.zero_point = zp;
  ForRowGroupsOf(ctx, w, 16, [&](int64_t n0, int64_t n1) {
    I4GemmArgs part = args;
    part.n_begin = n0;
    part.n_end = n1;
    kt.gemm_i4r16_xnnpack(part);
  });
}

// Matrix::xnnpack_fma_order: each output one FMA chain from 0 over k (XNNPACK's f32-gemm), the
// weight rows widened to fp32 (exactly) in chunks where they are not stored as row-major fp32.
void LinearXnnpackF32(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  constexpr int64_t kChunkRows = 64;
  const bool direct = w.dtype == DType::kF32 && w.layout == MatrixLayout::kRowMajor;
  ForRowGroups(ctx, w, [&](int64_t n0, int64_t n1) {
    std::vector<float> rows;
    for (int64_t r0 = n0; r0 < n1; r0 += kChunkRows) {
      const int64_t r1 = std::min(n1, r0 + kChunkRows);
      const float* wr = static_cast<const float*>(w.data) + r0 * w.cols;
      if (!direct) {
        rows.resize(static_cast<size_t>((r1 - r0) * w.cols));
        DequantizeRows(w, r0, r1, rows.data(), w.cols);
        wr = rows.data();
      }
      for (int64_t i = 0; i < m; ++i)
        xnnpack_float::DotRows(x + i * w.cols, wr, w.cols, r1 - r0, w.cols, y + i * w.rows + r0);
    }
  });
}

bool UseInt8Gemm(const KernelContext& ctx) {
  switch (ctx.int8_gemm_path()) {
    case KernelContext::Int8GemmPath::kInt8: return true;
    case KernelContext::Int8GemmPath::kDequantSgemm: return false;
    default: return ctx.kernels().isa >= Isa::kAvx512Vnni;
  }
}

// Whether dynamic int8 matrices take the integer kernels at m > 1: with kAuto, where the level
// has VNNI or gemm_i8_wide16 (AVX2; measured faster than dequantize → sgemm at every m there).
bool IntegerI8Gemm(const KernelContext& ctx) {
  if (ctx.int8_gemm_path() == KernelContext::Int8GemmPath::kAuto) {
    return ctx.kernels().isa >= Isa::kAvx512Vnni || ctx.kernels().gemm_i8_wide16 != nullptr;
  }
  return UseInt8Gemm(ctx);
}

// From this many activation rows on, 16-bit activations take gemm_i8_wide16 where the level has it;
// below (batched decode), the hi/lo int8 rows: the wide kernel computes 8 rows at least, and at 2
// and 4 rows took 1.0–2.5× as long as the hi/lo kernel (Zen 3, gemm_bench DecodeBatch), from 8
// rows on 0.5–0.75×.
constexpr int64_t kWide16MinRows = 6;

I8Route RouteOf(const KernelContext& ctx, const Matrix& w, int64_t m) {
  if (w.layout == MatrixLayout::kInt4Rows16 || !I8KernelsRead(w)) return I8Route::kNone;
  if (w.asymmetric_activations) return I8Route::kAsymmetric;
  if (!w.dynamic_activations || !(m == 1 || IntegerI8Gemm(ctx))) return I8Route::kNone;
  const bool sixteen = w.activations16 && ctx.int8_activations() == KernelContext::Int8Activations::k16Bit;
  if (sixteen && m >= kWide16MinRows && ctx.kernels().gemm_i8_wide16 != nullptr) return I8Route::kWide16;
  return sixteen ? I8Route::kDynamic16 : I8Route::kDynamic8;
}

// Several matrices' products on activations quantized once (LinearSameInput): m > 1 rows, every
// matrix on `route` with K = cols; a 16-bit route only where the kernels combine the halves.
void LinearI8SharedInput(KernelContext& ctx, I8Route route, std::span<const Matrix* const> ws,
                         const float* x, int64_t m, std::span<float* const> ys) {
  if (route == I8Route::kWide16) {
    LinearWide16(ctx, ws, x, m, ys);
    return;
  }
  const int64_t cols = ws[0]->cols;
  const QuantizedRows q = QuantizeRows(ctx, route, x, m, cols);
  std::array<I8GemmArgs, kMaxSameInput> args;
  for (size_t j = 0; j < ws.size(); ++j) {
    args[j] = I8Args(*ws[j], q.xq, q.xs, q.rows, q.ldx);
    args[j].y = ys[j];
    args[j].zero_point = q.zp;
    args[j].split16 = route == I8Route::kDynamic16;
  }
  const I8Plan plan = PlanI8(ctx, args[0], false);  // lays out the activations for the tiles once
  // One job over every matrix's row groups: a chunk of the concatenation may span two matrices.
  std::array<int64_t, kMaxSameInput + 1> first_group{};
  for (size_t j = 0; j < ws.size(); ++j) {
    args[j].xq_tiles = args[0].xq_tiles;
    first_group[j + 1] = first_group[j] + (ws[j]->rows + plan.group_rows - 1) / plan.group_rows;
  }
  const int64_t groups = first_group[ws.size()];
  ctx.pool().ParallelForDynamic(groups, GroupChunk(ctx, groups, plan.group_rows, cols, plan.chunks_per_thread), [&](int64_t g0, int64_t g1) {
    for (size_t j = 0; j < ws.size(); ++j) {
      const int64_t lo = std::max(g0, first_group[j]), hi = std::min(g1, first_group[j + 1]);
      if (lo >= hi) continue;
      I8GemmArgs part = args[j];
      part.n_begin = (lo - first_group[j]) * plan.group_rows;
      part.n_end = (hi - first_group[j]) * plan.group_rows;
      plan.kernel(part);
    }
  });
}

}  // namespace

void LinearSameInput(KernelContext& ctx, std::span<const Matrix* const> ws, const float* x, int64_t m,
                     std::span<float* const> ys) {
  if (ws.empty() || m <= 0) return;
  const I8Route route = RouteOf(ctx, *ws[0], m);
  bool shared = m > 1 && ws.size() <= kMaxSameInput && route != I8Route::kNone &&
                (route != I8Route::kDynamic16 || ctx.kernels().gemm_i8_split16);
  for (const Matrix* w : ws) shared = shared && w->cols == ws[0]->cols && w->rows > 0 && RouteOf(ctx, *w, m) == route;
  if (!shared) {
    for (size_t j = 0; j < ws.size(); ++j) Linear(ctx, *ws[j], x, m, ys[j]);
    return;
  }
  LinearI8SharedInput(ctx, route, ws, x, m, ys);
}

void Linear(KernelContext& ctx, const Matrix& w, const float* x, int64_t m, float* y) {
  if (m <= 0 || w.rows <= 0) return;
  if (w.xnnpack_fma_order &&
      (w.dtype == DType::kF32 || w.dtype == DType::kF16 || w.dtype == DType::kBF16)) {
    LinearXnnpackF32(ctx, w, x, m, y);
    return;
  }
  if (w.layout == MatrixLayout::kInt4Rows16) {
    if (w.qb4w_scales != nullptr) {
      LinearI4Xnnpack(ctx, w, x, m, y);
    } else {
      LinearI4Rows16(ctx, w, x, m, y);
    }
    return;
  }
  switch (RouteOf(ctx, w, m)) {
    case I8Route::kAsymmetric: LinearI8Asymmetric(ctx, w, x, m, y); return;
    case I8Route::kDynamic16: LinearI8Dynamic16(ctx, w, x, m, y); return;
    case I8Route::kDynamic8: LinearI8Dynamic(ctx, w, x, m, y); return;
    case I8Route::kWide16: {
      const Matrix* ws[] = {&w};
      float* ys[] = {y};
      LinearWide16(ctx, ws, x, m, ys);
      return;
    }
    case I8Route::kNone: break;
  }
  // int4 weights with XNNPACK's qd8 activations (Google's int4 TFLite files): the rounded
  // activations times the dequantized weights, in fp32 (XNNPACK's integer sum up to summation order).
  if (IsInt4(w.dtype) && w.asymmetric_activations) {
    float* rounded = ctx.xround(static_cast<size_t>(m * w.cols));
    for (int64_t i = 0; i < m; ++i) AsymmetricRoundActivationRow(x + i * w.cols, w.cols, rounded + i * w.cols);
    LinearDequantBlas(ctx, w, rounded, m, y);
    return;
  }
  if (w.dtype == DType::kI8 && w.asymmetric_activations) {
    float* rounded = ctx.xround(static_cast<size_t>(m * w.cols));
    for (int64_t i = 0; i < m; ++i) AsymmetricRoundActivationRow(x + i * w.cols, w.cols, rounded + i * w.cols);
    Matrix weight_only = w;
    weight_only.asymmetric_activations = false;
    weight_only.dynamic_activations = false;
    Linear(ctx, weight_only, rounded, m, y);
    return;
  }
  if (w.layout == MatrixLayout::kRowMajor && !RowMajorI8InPlace(w)) {
    if (w.dtype == DType::kF32) {
      LinearF32(ctx, w, x, m, y);
    } else {
      LinearDequantBlas(ctx, w, x, m, y);
    }
    return;
  }
  switch (w.dtype) {
    case DType::kI8:  // the int8 kernels' routes were taken above (RouteOf)
      if (m == 1) {
        LinearFloatGemv(ctx, w, x, y);
      } else {
        LinearDequantBlas(ctx, w, x, m, y);
      }
      return;
    case DType::kF16:
    case DType::kBF16:
      if (m == 1) {
        LinearFloatGemv(ctx, w, x, y);
      } else {
        LinearDequantBlas(ctx, w, x, m, y);
      }
      return;
    case DType::kI4Block32:
    case DType::kI4Block128:
      if (m <= 4 || UseInt8Gemm(ctx)) {
        LinearI4(ctx, w, x, m, y);
      } else {
        LinearDequantBlas(ctx, w, x, m, y);
      }
      return;
    default:
      LinearDequantBlas(ctx, w, x, m, y);
      return;
  }
}

void Linear(const Matrix& w, const float* x, int64_t m, float* y) {
  thread_local KernelContext ctx(1);
  Linear(ctx, w, x, m, y);
}

void MatrixRow(const Matrix& w, int64_t row, float* out) { DequantizeRows(w, row, row + 1, out, w.cols); }

}  // namespace litertlm
