// Linear end to end: every format and route, 1 and 2 threads, against fp32 math on the
// dequantized weights (plus the activation-quantization error for the dynamic formats).
#include "kernels/linear.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"

// The replacement operator new/delete pair below is malloc/free on both sides; GCC 12 at -O2
// still flags gtest's inlined `new TestClass` / sized delete as mismatched (a false positive).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace litertlm {

// Counts heap allocations while g_count_allocations is set (decode-path check below).
std::atomic<bool> g_count_allocations{false};
std::atomic<int> g_allocations{0};

}  // namespace litertlm

void* operator new(size_t n) {
  if (litertlm::g_count_allocations.load()) litertlm::g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace litertlm {
namespace {

std::vector<float> RandomVector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Max |y - ref| relative to max |ref|.
double RelErr(const std::vector<float>& y, const std::vector<double>& ref) {
  double err = 0, mx = 1e-12;
  for (size_t i = 0; i < y.size(); ++i) {
    err = std::max(err, std::fabs(y[i] - ref[i]));
    mx = std::max(mx, std::fabs(ref[i]));
  }
  return err / mx;
}

struct Case {
  DType dtype;
  bool dynamic;
  double tol;  // relative to max |y|
};

TEST(LinearTest, AllFormatsRoutesAndThreadCounts) {
  const Case cases[] = {{DType::kF32, true, 1e-5},       {DType::kF16, true, 1e-5},
                        {DType::kBF16, true, 1e-5},      {DType::kI8, false, 1e-5},
                        {DType::kI8, true, 3e-2},        {DType::kI4Block32, true, 3e-2},
                        {DType::kI4Block128, true, 3e-2}};
  const int64_t n_rows = 203, k = 384;
  auto w = RandomVector(static_cast<size_t>(n_rows * k), 7);
  for (const Case& c : cases) {
    auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, c.dtype)).value();
    std::unique_ptr<PackedMatrix> packed;
    if (c.dtype != DType::kF32) packed = std::move(PackMatrix(q.view(c.dynamic)).value());
    std::vector<float> wd(static_cast<size_t>(n_rows * k));
    DequantizeRows(q.view(), 0, n_rows, wd.data(), k);
    for (int64_t m : {1, 3, 4, 5, 40}) {
      auto x = RandomVector(static_cast<size_t>(m * k), static_cast<uint32_t>(m));
      std::vector<double> ref(static_cast<size_t>(m * n_rows));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t n = 0; n < n_rows; ++n) {
          double acc = 0;
          for (int64_t j = 0; j < k; ++j) acc += static_cast<double>(wd[static_cast<size_t>(n * k + j)]) * x[static_cast<size_t>(i * k + j)];
          ref[static_cast<size_t>(i * n_rows + n)] = acc;
        }
      for (int threads : {1, 2}) {
        for (const KernelTable* kt : SupportedKernels()) {
        for (auto path : {KernelContext::Int8GemmPath::kInt8, KernelContext::Int8GemmPath::kDequantSgemm}) {
          KernelContext ctx(threads);
          ctx.set_kernels(kt);
          ctx.set_int8_gemm_path(path);
          std::vector<float> y(static_cast<size_t>(m * n_rows), NAN);
          const Matrix& mat = packed ? packed->view : q.view();
          Linear(ctx, mat, x.data(), m, y.data());
          EXPECT_LT(RelErr(y, ref), c.tol) << DTypeName(c.dtype) << " dyn=" << c.dynamic << " m=" << m
                                           << " threads=" << threads << " path=" << static_cast<int>(path)
                                           << " " << kt->name;
          // The unpacked (stored-layout) fallback computes with fp32 activations.
          std::vector<float> y2(static_cast<size_t>(m * n_rows), NAN);
          Linear(ctx, q.view(c.dynamic), x.data(), m, y2.data());
          EXPECT_LT(RelErr(y2, ref), 1e-5) << "unpacked " << DTypeName(c.dtype);
        }
        }
      }
    }
  }
}

// dynamic_int8 computes with 16-bit activations by default: on activations with a few outlier
// channels (as Gemma 3's have) the result is as exact as fp32 activations on the same int8
// weights, at every level, route and thread count; 8-bit per-row activations are not.
TEST(LinearTest, DynamicInt8SixteenBitActivationsMatchFloatActivations) {
  if (std::getenv("LITERTLM_INT8_ACTIVATION_BITS") == nullptr) {
    EXPECT_EQ(KernelContext(1).int8_activations(), KernelContext::Int8Activations::k16Bit);
  }
  const int64_t n_rows = 203, k = 640;
  auto w = RandomVector(static_cast<size_t>(n_rows * k), 11);
  auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, DType::kI8)).value();
  auto packed = std::move(PackMatrix(q.view(true)).value());
  std::vector<float> wd(static_cast<size_t>(n_rows * k));
  DequantizeRows(q.view(), 0, n_rows, wd.data(), k);
  for (int64_t m : {1, 2, 5, 40}) {
    auto x = RandomVector(static_cast<size_t>(m * k), static_cast<uint32_t>(m) + 100);
    for (int64_t i = 0; i < m; ++i) {  // outlier channels 60× the typical magnitude
      for (int64_t c : {3, 77, 500}) x[static_cast<size_t>(i * k + c)] *= 60.0f;
    }
    std::vector<double> ref(static_cast<size_t>(m * n_rows));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t n = 0; n < n_rows; ++n) {
        double acc = 0;
        for (int64_t j = 0; j < k; ++j) acc += static_cast<double>(wd[static_cast<size_t>(n * k + j)]) * x[static_cast<size_t>(i * k + j)];
        ref[static_cast<size_t>(i * n_rows + n)] = acc;
      }
    std::vector<float> scalar16;  // every level computes the same exact integer sums
    for (int threads : {1, 2}) {
      for (const KernelTable* kt : SupportedKernels()) {
        KernelContext ctx(threads);
        ctx.set_kernels(kt);
        ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kInt8);
        std::vector<float> y(static_cast<size_t>(m * n_rows), NAN);
        ctx.set_int8_activations(KernelContext::Int8Activations::k16Bit);
        Linear(ctx, packed->view, x.data(), m, y.data());
        if (scalar16.empty()) scalar16 = y;
        EXPECT_EQ(y, scalar16) << kt->name << " m=" << m << " threads=" << threads;
        const double err16 = RelErr(y, ref);
        ctx.set_int8_activations(KernelContext::Int8Activations::k8Bit);
        Linear(ctx, packed->view, x.data(), m, y.data());
        const double err8 = RelErr(y, ref);
        EXPECT_LT(err16, 3e-4) << kt->name << " m=" << m << " threads=" << threads;
        EXPECT_GT(err8, 20 * err16) << kt->name << " m=" << m;  // what the 16 bits buy
      }
    }
  }
}

// The levels with gemm_i8_wide16 (AVX2: 16-bit activations as int16 in one pass) against the
// scalar level's split16 route, bit for bit: both stored layouts the int8 kernels read (packed,
// and a TFLite file's row-major int8 read in place), row counts around the 8-row tiles and their
// pairs, 1 and 2 threads, and activation rows whose int32 sums would overflow (all 32,512 against
// weights of 127 over K = 1,536: 6.3e9), which the kernel carries in int64.
TEST(LinearTest, Wide16EqualsScalarSplit16) {
  int levels = 0;
  for (const KernelTable* kt : SupportedKernels()) levels += kt->gemm_i8_wide16 != nullptr ? 1 : 0;
  if (levels == 0) GTEST_SKIP() << "no level with gemm_i8_wide16 on this CPU";
  // K = 200: rows padded to 256 and a tail of 8 inputs (packed layout only).
  for (const int64_t k : {int64_t{1536}, int64_t{200}}) {
    const int64_t n_rows = 212;
    auto w = RandomVector(static_cast<size_t>(n_rows * k), 31);
    for (int64_t j = 0; j < k; ++j) w[static_cast<size_t>(5 * k + j)] = 1.0f;  // row 5: q_w = 127
    auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, DType::kI8)).value();
    auto packed = std::move(PackMatrix(q.view(true)).value());
    std::vector<const Matrix*> layouts = {&packed->view};
    std::vector<int32_t> sums(static_cast<size_t>(n_rows));
    Matrix row_major = q.view(true);
    if (k % 64 == 0) {
      ASSERT_TRUE(ComputeI8RowSums(q.view(true), sums.data()).ok());
      row_major.row_sums = sums.data();
      ASSERT_TRUE(RowMajorI8InPlace(row_major));
      layouts.push_back(&row_major);
    }
    for (const KernelTable* kt : SupportedKernels()) {
      if (kt->gemm_i8_wide16 == nullptr) continue;
      for (int64_t m : {2, 5, 6, 8, 9, 16, 17, 41}) {  // 2, 5: the hi/lo rows (kWide16MinRows)
        auto x = RandomVector(static_cast<size_t>(m * k), 70 + static_cast<uint32_t>(m));
        for (int64_t j = 0; j < k; ++j) x[static_cast<size_t>((m - 1) * k + j)] = 1.0f;  // q = 32,512
        for (const Matrix* mat : layouts) {
          KernelContext scalar(1);
          scalar.set_kernels(&ScalarKernels());
          scalar.set_int8_gemm_path(KernelContext::Int8GemmPath::kInt8);
          std::vector<float> want(static_cast<size_t>(m * n_rows), NAN);
          Linear(scalar, *mat, x.data(), m, want.data());
          // Exact where int32 would overflow at K = 1,536: 32,512 · 127 · K · xscale · wscale = K.
          EXPECT_NEAR(want[static_cast<size_t>((m - 1) * n_rows + 5)], static_cast<float>(k), 1e-2);
          for (int threads : {1, 2}) {
            KernelContext ctx(threads);
            ctx.set_kernels(kt);
            std::vector<float> got(static_cast<size_t>(m * n_rows), NAN);
            Linear(ctx, *mat, x.data(), m, got.data());
            EXPECT_EQ(got, want) << kt->name << " k=" << k << " m=" << m << " threads=" << threads
                                 << (mat == &row_major ? " row-major" : " packed");
          }
        }
      }
    }
  }
}

// The int4 prefill path (GEMV per activation row over cache-sized weight tiles) is bit-identical
// to decoding the rows one at a time, at every kernel level and thread count.
TEST(LinearTest, Int4PrefillEqualsRowByRowGemv) {
  const int64_t n_rows = 517, k = 640, m = 23;
  auto w = RandomVector(static_cast<size_t>(n_rows * k), 21);
  auto x = RandomVector(static_cast<size_t>(m * k), 22);
  for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
    auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, t)).value();
    auto p = std::move(PackMatrix(q.view())).value();
    for (const KernelTable* kt : SupportedKernels()) {
      for (int threads : {1, 2}) {
        KernelContext ctx(threads);
        ctx.set_kernels(kt);
        ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kInt8);
        std::vector<float> all(static_cast<size_t>(m * n_rows)), one(static_cast<size_t>(m * n_rows));
        Linear(ctx, p->view, x.data(), m, all.data());
        for (int64_t i = 0; i < m; ++i) Linear(ctx, p->view, x.data() + i * k, 1, one.data() + i * n_rows);
        EXPECT_EQ(all, one) << DTypeName(t) << " " << kt->name << " threads=" << threads;
      }
    }
  }
}

// The multi-row int4 kernel (where one exists) against the single-row GEMV kernel of the same
// level, called directly: bit-identical for every row count up to and past its row blocks, at a
// K of three chunks and of eighteen (2,304), and for a prefill-sized row count (117).
struct Int4GemmShape {
  int64_t n_rows, k;
  std::vector<int64_t> ms;
};

TEST(LinearTest, Int4GemmKernelEqualsGemvKernel) {
  for (const Int4GemmShape& shape : {Int4GemmShape{37, 384, {1, 2, 3, 4, 5, 7, 9}},
                                     Int4GemmShape{13, 2304, {3, 6, 117}}}) {
    const int64_t n_rows = shape.n_rows, k = shape.k;
    auto w = RandomVector(static_cast<size_t>(n_rows * k), 31);
    for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
      auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, t)).value();
      auto p = std::move(PackMatrix(q.view())).value();
      const int64_t ldx = PackedChunks(t, k) * 128;
      for (const KernelTable* kt : SupportedKernels()) {
        if (kt->gemm_i4 == nullptr) continue;
        for (int64_t m : shape.ms) {
          auto x = RandomVector(static_cast<size_t>(m * k), 32 + m);
          std::vector<int8_t> xq(static_cast<size_t>(m * ldx));
          std::vector<float> xs(static_cast<size_t>(m));
          for (int64_t i = 0; i < m; ++i) xs[i] = kt->quantize_row(x.data() + i * k, k, ldx, xq.data() + i * ldx);
          std::vector<float> got(static_cast<size_t>(m * n_rows), -1.0f), want(got.size(), -2.0f);
          I4GemmArgs g;
          g.w = &p->view;
          g.xq = xq.data();
          g.xscale = xs.data();
          g.m = m;
          g.ldx = ldx;
          g.n_begin = 0;
          g.n_end = n_rows;
          g.y = got.data();
          g.ldy = n_rows;
          kt->gemm_i4(g);
          for (int64_t i = 0; i < m; ++i) {
            I4GemvArgs a;
            a.w = &p->view;
            a.xq = xq.data() + i * ldx;
            a.xscale = xs[i];
            a.n_begin = 0;
            a.n_end = n_rows;
            a.y = want.data() + i * n_rows;
            kt->gemv_i4(a);
          }
          EXPECT_EQ(got, want) << DTypeName(t) << " " << kt->name << " k=" << k << " m=" << m;
        }
      }
    }
  }
}

TEST(LinearTest, ConvenienceOverloadAndScalarLevel) {
  const int64_t n_rows = 50, k = 256;
  auto w = RandomVector(static_cast<size_t>(n_rows * k), 3);
  auto x = RandomVector(static_cast<size_t>(k), 4);
  auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, DType::kI8)).value();
  auto p = std::move(PackMatrix(q.view())).value();
  std::vector<float> a(static_cast<size_t>(n_rows)), b(static_cast<size_t>(n_rows));
  Linear(p->view, x.data(), 1, a.data());
  KernelContext ctx(2);
  ctx.set_kernels(&ScalarKernels());
  Linear(ctx, p->view, x.data(), 1, b.data());
  EXPECT_EQ(a, b);  // exact int32 accumulators, same epilogue
}

// After the first call of a shape, the decode path (M = 1) allocates nothing, for every format
// and with the thread pool in use.
TEST(LinearTest, DecodePathDoesNotAllocate) {
  const int64_t n_rows = 300, k = 512;
  auto w = RandomVector(static_cast<size_t>(n_rows * k), 11);
  auto x = RandomVector(static_cast<size_t>(k), 12);
  std::vector<float> y(static_cast<size_t>(n_rows));
  KernelContext ctx(2);
  g_count_allocations = true;  // the counter itself works
  { auto probe = std::make_unique<int>(1); EXPECT_GT(g_allocations.load(), 0) << *probe; }
  g_count_allocations = false;
  for (DType t : {DType::kI8, DType::kI4Block32, DType::kI4Block128, DType::kF16, DType::kF32}) {
    for (bool dynamic : {true, false}) {
      auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, t)).value();
      std::unique_ptr<PackedMatrix> packed;
      if (t != DType::kF32) packed = std::move(PackMatrix(q.view(dynamic)).value());
      const Matrix& mat = packed ? packed->view : q.view();
      Linear(ctx, mat, x.data(), 1, y.data());  // warm-up: scratch grows here
      g_allocations = 0;
      g_count_allocations = true;
      for (int rep = 0; rep < 20; ++rep) Linear(ctx, mat, x.data(), 1, y.data());
      g_count_allocations = false;
      EXPECT_EQ(g_allocations.load(), 0) << DTypeName(t) << " dynamic=" << dynamic;
    }
  }
  // int4 in the load-time kInt4Rows16 layout, symmetric and qd8 activations.
  for (DType t : {DType::kI4Block32, DType::kI4Block128}) {
    for (bool asymmetric : {false, true}) {
      auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, t)).value();
      auto packed = std::move(PackInt4Rows16(q.view()).value());
      Matrix mat = packed->view;
      mat.asymmetric_activations = asymmetric;
      Linear(ctx, mat, x.data(), 1, y.data());
      g_allocations = 0;
      g_count_allocations = true;
      for (int rep = 0; rep < 20; ++rep) Linear(ctx, mat, x.data(), 1, y.data());
      g_count_allocations = false;
      EXPECT_EQ(g_allocations.load(), 0) << DTypeName(t) << " rows16 asymmetric=" << asymmetric;
    }
  }
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

// LinearSameInput (q/k/v, gate/up) gives each matrix exactly what its own Linear gives, on every
// int8 route (16-bit, 8-bit and qd8 activations; packed and row-major in place), at every level
// and thread count, and when one matrix takes another route (fp32) the calls fall back to Linear.
TEST(LinearTest, SameInputEqualsSeparateCalls) {
  const int64_t k = 640;
  const int64_t rows[] = {1024, 256, 260};  // q, k, v-like; 260: not a multiple of the 64-row blocks
  std::vector<QuantizedMatrix> q;
  std::vector<std::unique_ptr<PackedMatrix>> packed;
  std::vector<std::vector<int32_t>> sums;
  for (size_t j = 0; j < 3; ++j) {
    auto w = RandomVector(static_cast<size_t>(rows[j] * k), 40 + static_cast<uint32_t>(j));
    q.push_back(std::move(QuantizeMatrix(w.data(), rows[j], k, DType::kI8)).value());
    packed.push_back(std::move(PackMatrix(q.back().view(true))).value());
    sums.emplace_back(static_cast<size_t>(rows[j]));
    ASSERT_TRUE(ComputeI8RowSums(q.back().view(true), sums.back().data()).ok());
  }
  auto f32 = RandomVector(static_cast<size_t>(rows[2] * k), 50);
  Matrix f32_view;
  f32_view.rows = rows[2];
  f32_view.cols = k;
  f32_view.data = f32.data();
  enum Variant { kPacked16, kPacked8, kRowMajor16, kAsymmetric, kMixed };
  for (Variant variant : {kPacked16, kPacked8, kRowMajor16, kAsymmetric, kMixed}) {
    std::vector<Matrix> views;
    for (size_t j = 0; j < 3; ++j) {
      Matrix v = packed[j]->view;
      if (variant == kRowMajor16) {
        v = q[j].view(true);
        v.row_sums = sums[j].data();
      }
      v.asymmetric_activations = variant == kAsymmetric;
      v.activations16 = variant != kPacked8;
      views.push_back(v);
    }
    if (variant == kMixed) views[2] = f32_view;
    const Matrix* ws[] = {&views[0], &views[1], &views[2]};
    for (int64_t m : {1, 5, 40}) {
      auto x = RandomVector(static_cast<size_t>(m * k), 60 + static_cast<uint32_t>(m));
      for (int threads : {1, 2}) {
        for (const KernelTable* kt : SupportedKernels()) {
          KernelContext ctx(threads);
          ctx.set_kernels(kt);
          ctx.set_int8_gemm_path(KernelContext::Int8GemmPath::kInt8);
          std::vector<std::vector<float>> want(3), got(3);
          float* outs[3];
          for (size_t j = 0; j < 3; ++j) {
            want[j].assign(static_cast<size_t>(m * views[j].rows), NAN);
            got[j].assign(static_cast<size_t>(m * views[j].rows), NAN);
            Linear(ctx, views[j], x.data(), m, want[j].data());
            outs[j] = got[j].data();
          }
          LinearSameInput(ctx, ws, x.data(), m, outs);
          for (size_t j = 0; j < 3; ++j) {
            EXPECT_EQ(got[j], want[j]) << "variant " << variant << " matrix " << j << " m=" << m
                                       << " threads=" << threads << " " << kt->name;
          }
        }
      }
    }
  }
}

// Matrix::asymmetric_activations (XNNPACK's qd8): rows through the integer GEMV (m = 1) / GEMM
// (m = 3) equal the fp32 reference — each row rounded by AsymmetricRoundActivationRow times the
// dequantized weights — to float rounding, at shapes with padding (K not a multiple of 64, N not
// of 4), for 1 and 2 threads; each row's minimum quantizes to −128.
TEST(LinearAsymmetricTest, IntegerGemvEqualsRoundedFloatReference) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto [n_rows, k] : {std::pair<int64_t, int64_t>{37, 100}, {64, 640}, {5, 64}}) {
    constexpr int64_t kRows = 3;
    std::vector<float> w(static_cast<size_t>(n_rows * k)), x(static_cast<size_t>(kRows * k));
    for (float& v : w) v = u(rng);
    for (float& v : x) v = u(rng) + 0.3f;  // off-centre: a non-zero zero point
    auto q = std::move(QuantizeMatrix(w.data(), n_rows, k, DType::kI8)).value();
    auto packed = std::move(PackMatrix(q.view(false)).value());
    Matrix m = packed->view;
    m.asymmetric_activations = true;
    std::vector<float> rounded(static_cast<size_t>(kRows * k)), want(static_cast<size_t>(kRows * n_rows), 0.0f);
    for (int64_t i = 0; i < kRows; ++i) AsymmetricRoundActivationRow(&x[i * k], k, &rounded[i * k]);
    std::vector<float> row(static_cast<size_t>(k));
    for (int64_t n = 0; n < n_rows; ++n) {
      MatrixRow(m, n, row.data());
      for (int64_t i = 0; i < kRows; ++i) {
        double acc = 0;
        for (int64_t j = 0; j < k; ++j) acc += static_cast<double>(row[j]) * rounded[i * k + j];
        want[i * n_rows + n] = static_cast<float>(acc);
      }
    }
    for (int64_t rows : {int64_t{1}, kRows}) {
      for (int threads : {1, 2}) {
        KernelContext ctx(threads);
        std::vector<float> y(static_cast<size_t>(rows * n_rows));
        Linear(ctx, m, x.data(), rows, y.data());
        for (int64_t a = 0; a < rows * n_rows; ++a) {
          EXPECT_NEAR(y[a], want[a], 1e-4f * (1.0f + std::abs(want[a]))) << "m " << rows << " at " << a;
        }
      }
    }
  }
}

}  // namespace
}  // namespace litertlm
