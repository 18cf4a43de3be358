// Every SIMD level against the scalar kernels on the same inputs, plus the scalar kernels against
// naive references computed from the stored (row-major) layout. Integer paths: exact int32.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"
#include "kernels/pack.h"
#include "kernels/quantize.h"

namespace litertlm {
namespace {

std::vector<float> RandomVector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<const KernelTable*> FastTables() {
  std::vector<const KernelTable*> t = SupportedKernels();
  t.erase(t.begin());  // the scalar level, the reference these are checked against
  return t;
}

// Every fast table's multi-row int8 kernels: gemm_i8, and gemm_i8_tiles where there is one.
std::vector<std::pair<const KernelTable*, void (*)(const I8GemmArgs&)>> GemmKernels() {
  std::vector<std::pair<const KernelTable*, void (*)(const I8GemmArgs&)>> k;
  for (const KernelTable* t : FastTables()) {
    k.emplace_back(t, t->gemm_i8);
    if (t->gemm_i8_tiles != nullptr) k.emplace_back(t, t->gemm_i8_tiles);
  }
  return k;
}

struct Shape {
  int64_t n, k;
};
// N, K not multiples of the vector widths (K multiple of 128 where int4 needs it).
// {8, 128}, {68, 640} and {200, 1024} are also read in place as stored (K % 64 == 0, N % 4 == 0;
// 200 rows: three runs of 16-row AMX tiles and a 4-row tail).
const Shape kI8Shapes[] = {{1, 1},    {3, 17},    {4, 64},     {5, 63},     {7, 65},    {13, 200},
                           {33, 640}, {64, 1000}, {130, 1024}, {8, 128},    {68, 640},  {200, 1024}};
const Shape kI4Shapes[] = {{1, 128}, {3, 256}, {5, 384}, {13, 640}, {66, 1024}};

// The fixed shapes plus seeded random ones (K a multiple of `k_multiple`).
std::vector<Shape> ShapesWithRandom(const Shape* begin, const Shape* end, int64_t k_multiple) {
  std::vector<Shape> v(begin, end);
  std::mt19937 rng(1234);
  for (int i = 0; i < 6; ++i) {
    int64_t n = std::uniform_int_distribution<int64_t>(1, 300)(rng);
    int64_t k = std::uniform_int_distribution<int64_t>(1, 1500 / k_multiple)(rng) * k_multiple;
    v.push_back({n, k});
  }
  return v;
}

struct Quantized {
  QuantizedMatrix q;
  std::unique_ptr<PackedMatrix> packed;
};
Quantized Make(int64_t n, int64_t k, DType t, uint32_t seed) {
  auto w = RandomVector(static_cast<size_t>(n * k), seed);
  Quantized r;
  r.q = std::move(QuantizeMatrix(w.data(), n, k, t)).value();
  r.packed = std::move(PackMatrix(r.q.view())).value();
  return r;
}

TEST(AlignedBufferTest, ZeroedAndAlignedSmallAndHugePageSized) {
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{100}, size_t{2} << 20, (size_t{5} << 20) + 17}) {
    AlignedBuffer b(bytes);
    ASSERT_NE(b.data(), nullptr) << bytes;
    EXPECT_EQ(b.size(), bytes);
    const auto addr = reinterpret_cast<uintptr_t>(b.data());
    EXPECT_EQ(addr % 64, 0u) << bytes;
    // At least one huge page: starts on a 2 MiB boundary (so the kernel can back it with THP).
    if (bytes >= (size_t{2} << 20)) {
      EXPECT_EQ(addr % (size_t{2} << 20), 0u) << bytes;
    }
    EXPECT_TRUE(std::all_of(b.data(), b.data() + bytes, [](uint8_t v) { return v == 0; })) << bytes;
  }
}

TEST(KernelsTest, ActiveLevelIsTheBestSupported) {
  const KernelTable& a = ActiveKernels();
  if (std::getenv("LITERTLM_ISA") == nullptr) {
    if (CpuSupports(Isa::kAmxInt8)) {
      EXPECT_EQ(a.isa, Isa::kAmxInt8);
    } else if (CpuSupports(Isa::kAvx512Vnni)) {
      EXPECT_EQ(a.isa, Isa::kAvx512Vnni);
    }
  }
  SUCCEED() << a.name;
}

TEST(KernelsTest, QuantizeRowIsBitIdenticalAcrossLevels) {
  for (int64_t k : {1, 15, 16, 17, 640, 1000}) {
    auto x = RandomVector(static_cast<size_t>(k), static_cast<uint32_t>(k));
    x[0] = 3.0f;  // make some exact ties likely: 3/127·127 etc.
    const int64_t padded = (k + 63) / 64 * 64;
    std::vector<int8_t> ref(static_cast<size_t>(padded), 99);
    float sref = ScalarKernels().quantize_row(x.data(), k, padded, ref.data());
    for (const KernelTable* t : FastTables()) {
      std::vector<int8_t> got(static_cast<size_t>(padded), 77);
      float s = t->quantize_row(x.data(), k, padded, got.data());
      EXPECT_EQ(s, sref) << t->name;
      EXPECT_EQ(got, ref) << t->name << " k=" << k;
    }
  }
}

// NaN and infinities in a row (inside the vector body and in the tail): every level takes the
// scalar steps (NaN never the maximum; an infinite maximum makes inv = 0 and x·inv NaN → −lim).
TEST(KernelsTest, QuantizeRowsTakeNonFiniteValuesAsScalarDoes) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int64_t k : {13, 37}) {
    for (int variant = 0; variant < 3; ++variant) {
      auto x = RandomVector(static_cast<size_t>(k), static_cast<uint32_t>(k) + 11);
      x[3] = nan;
      x[static_cast<size_t>(k) - 2] = nan;
      if (variant == 1) x[9] = inf;
      if (variant == 2) x[static_cast<size_t>(k) - 1] = -inf;
      const int64_t padded = (k + 63) / 64 * 64;
      std::vector<int8_t> ref(static_cast<size_t>(padded)), hi(static_cast<size_t>(padded)),
          lo(static_cast<size_t>(padded));
      const float s8 = ScalarKernels().quantize_row(x.data(), k, padded, ref.data());
      const float s16 = ScalarKernels().quantize_row16(x.data(), k, padded, hi.data(), lo.data());
      for (const KernelTable* t : FastTables()) {
        std::vector<int8_t> got(static_cast<size_t>(padded), 77), hi2(static_cast<size_t>(padded), 77),
            lo2(static_cast<size_t>(padded), 77);
        const float g8 = t->quantize_row(x.data(), k, padded, got.data());
        const float g16 = t->quantize_row16(x.data(), k, padded, hi2.data(), lo2.data());
        EXPECT_EQ(std::bit_cast<uint32_t>(g8), std::bit_cast<uint32_t>(s8)) << t->name << " k=" << k;
        EXPECT_EQ(std::bit_cast<uint32_t>(g16), std::bit_cast<uint32_t>(s16)) << t->name << " k=" << k;
        EXPECT_EQ(got, ref) << t->name << " k=" << k << " variant " << variant;
        EXPECT_EQ(hi2, hi) << t->name << " k=" << k << " variant " << variant;
        EXPECT_EQ(lo2, lo) << t->name << " k=" << k << " variant " << variant;
      }
    }
  }
}

// 16-bit activations as two int8 rows: q = 256·hi + lo is round(x / s) exactly (|q| ≤ 32512,
// hi in [-127, 127], lo in [-128, 127]), padding zero, and every level gives the same bytes.
TEST(KernelsTest, QuantizeRow16SplitsExactlyAndIsBitIdenticalAcrossLevels) {
  for (int64_t k : {1, 15, 16, 17, 640, 1000}) {
    auto x = RandomVector(static_cast<size_t>(k), static_cast<uint32_t>(k) + 5);
    x[0] = -10.0f;  // the row maximum is negative: q reaches -32512 exactly
    if (k > 20) x[20] = 0.5f * 10.0f / kActivation16Max * 255.0f;  // an exact .5 tie at some scale
    const int64_t padded = (k + 63) / 64 * 64;
    std::vector<int8_t> hi(static_cast<size_t>(padded), 99), lo(static_cast<size_t>(padded), 99);
    const float s = ScalarKernels().quantize_row16(x.data(), k, padded, hi.data(), lo.data());
    ASSERT_GT(s, 0.0f);
    for (int64_t i = 0; i < padded; ++i) {
      const int q = 256 * hi[static_cast<size_t>(i)] + lo[static_cast<size_t>(i)];
      if (i >= k) {
        EXPECT_EQ(q, 0) << "padding " << i;
        continue;
      }
      EXPECT_GE(hi[static_cast<size_t>(i)], -127);
      EXPECT_LE(hi[static_cast<size_t>(i)], 127);
      EXPECT_EQ(q, static_cast<int>(std::nearbyint(x[static_cast<size_t>(i)] * (1.0f / s)))) << "k=" << k << " i=" << i;
      EXPECT_LE(std::fabs(x[static_cast<size_t>(i)] - s * static_cast<float>(q)), 0.502f * s);
    }
    EXPECT_EQ(256 * hi[0] + lo[0], -32512);
    for (const KernelTable* t : FastTables()) {
      std::vector<int8_t> hi2(static_cast<size_t>(padded), 77), lo2(static_cast<size_t>(padded), 77);
      EXPECT_EQ(t->quantize_row16(x.data(), k, padded, hi2.data(), lo2.data()), s) << t->name;
      EXPECT_EQ(hi2, hi) << t->name << " k=" << k;
      EXPECT_EQ(lo2, lo) << t->name << " k=" << k;
    }
    std::vector<float> zero(static_cast<size_t>(k), 0.0f);
    EXPECT_EQ(ScalarKernels().quantize_row16(zero.data(), k, padded, hi.data(), lo.data()), 0.0f);
  }
}

// ComputeI8RowSums adds in int16 lanes widened every 256 chunks of 64: rows of all 127 and all
// -127 past one and two flushes (K = 64·600), random rows against a naive int32 sum, split over
// 1 and 3 threads, and a -128 anywhere refused with its row and column.
TEST(KernelsTest, I8RowSumsExactPastTheInt16Flush) {
  constexpr int64_t kRows = 8, kCols = 64 * 600;
  std::vector<int8_t> q(static_cast<size_t>(kRows * kCols));
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> value(-127, 127);
  for (int64_t n = 0; n < kRows; ++n) {
    for (int64_t k = 0; k < kCols; ++k) {
      q[static_cast<size_t>(n * kCols + k)] = static_cast<int8_t>(n == 0 ? 127 : n == 1 ? -127 : value(rng));
    }
  }
  std::vector<int32_t> naive(kRows, 0);
  for (int64_t n = 0; n < kRows; ++n) {
    for (int64_t k = 0; k < kCols; ++k) naive[static_cast<size_t>(n)] += q[static_cast<size_t>(n * kCols + k)];
  }
  EXPECT_EQ(naive[0], 127 * kCols);
  Matrix m;
  m.dtype = DType::kI8;
  m.rows = kRows;
  m.cols = kCols;
  m.data = q.data();
  for (int threads : {1, 3}) {
    std::vector<int32_t> sums(kRows, 0);
    ASSERT_TRUE(ComputeI8RowSums(m, sums.data(), threads).ok());
    EXPECT_EQ(sums, naive) << threads << " threads";
  }
  q[static_cast<size_t>(5 * kCols + 64 * 300 + 7)] = -128;
  std::vector<int32_t> sums(kRows, 0);
  Status st = ComputeI8RowSums(m, sums.data(), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("row 5, col 19207"), std::string::npos) << st.message();
}

// Exact int32 accumulators: scalar (packed) vs naive (stored), and every level vs scalar.
// The int8 kernels read a matrix packed (kPacked4x64) or, where RowMajorI8InPlace allows, as
// stored (kRowMajor with row sums): every kernel, both layouts, the same exact sums.
TEST(KernelsTest, Int8GemvAndGemmExactInt32) {
  uint32_t seed = 10;
  for (const Shape& s : ShapesWithRandom(std::begin(kI8Shapes), std::end(kI8Shapes), 1)) {
    Quantized w = Make(s.n, s.k, DType::kI8, seed++);
    std::vector<int32_t> stored_sums(static_cast<size_t>(s.n));
    Matrix stored = w.q.view();
    std::vector<std::pair<std::string, const Matrix*>> layouts = {{"packed", &w.packed->view}};
    if (s.k % 64 == 0 && s.n % 4 == 0) {
      ASSERT_TRUE(ComputeI8RowSums(stored, stored_sums.data(), 2).ok());
      stored.row_sums = stored_sums.data();
      ASSERT_TRUE(RowMajorI8InPlace(stored));
      ASSERT_TRUE(std::equal(stored_sums.begin(), stored_sums.end(), w.packed->view.row_sums));
      layouts.emplace_back("row-major", &stored);
    }
    for (const auto& entry : layouts) {
      // Plain variables, not structured bindings: the lambdas below capture them (clang 14).
      const std::string& layout = entry.first;
      const Matrix* view = entry.second;
      const int64_t ldx = PackedChunks(DType::kI8, s.k) * 64;
      // m beyond 16 and 32: the AMX kernel's column blocks of 16 activation rows.
      for (int64_t m : {1, 2, 5, 6, 7, 13, 18, 33}) {
        auto x = RandomVector(static_cast<size_t>(m * s.k), seed++);
        std::vector<int8_t> xq(static_cast<size_t>(m * ldx));
        std::vector<float> xs(static_cast<size_t>(m));
        for (int64_t i = 0; i < m; ++i) xs[i] = QuantizeActivationRow(x.data() + i * s.k, s.k, ldx, xq.data() + i * ldx);
        std::vector<int32_t> naive(static_cast<size_t>(m * s.n));
        for (int64_t i = 0; i < m; ++i)
          for (int64_t n = 0; n < s.n; ++n) {
            int32_t acc = 0;
            for (int64_t k = 0; k < s.k; ++k)
              acc += static_cast<int8_t>(w.q.data[static_cast<size_t>(n * s.k + k)]) * xq[static_cast<size_t>(i * ldx + k)];
            naive[static_cast<size_t>(i * s.n + n)] = acc;
          }
        // mode 0: gemv_i8 one row at a time; 1: gemm_i8; 2: gemv_i8 two rows at a time (the
        // 16-bit activation route's hi/lo pair), the last row alone when m is odd; 3 and 4:
        // gemm_i8_tiles (AMX), its activations laid out once by the caller as Linear does (3) or
        // by the kernel itself (4). Every m, although Linear takes the tiles only from
        // tiles_min_rows on.
        auto run = [&](const KernelTable& t, int mode) {
          std::vector<int32_t> acc(static_cast<size_t>(m * s.n), -1);
          I8GemmArgs a;
          a.w = view;
          a.xq = xq.data();
          a.xscale = xs.data();
          a.m = m;
          a.ldx = ldx;
          a.acc = acc.data();
          a.ldy = s.n;
          std::vector<int8_t> tiles;
          if (mode == 3) {
            tiles.resize(static_cast<size_t>(t.i8_tiles_bytes(m, ldx)));
            t.pack_i8_tiles(xq.data(), m, ldx, tiles.data());
            a.xq_tiles = tiles.data();
          }
          // Two row ranges, as two threads would split them.
          int64_t mid = PackedRows(s.n) / 8 * 4;
          for (auto [b, e] : {std::pair<int64_t, int64_t>{0, mid}, {mid, PackedRows(s.n)}}) {
            a.n_begin = b;
            a.n_end = e;
            if (mode == 1) {
              t.gemm_i8(a);
            } else if (mode >= 3) {
              t.gemm_i8_tiles(a);
            } else {
              const int64_t step = mode == 2 ? 2 : 1;
              for (int64_t i = 0; i < m; i += step) {
                I8GemmArgs r = a;
                r.m = std::min<int64_t>(step, m - i);
                r.xq = xq.data() + i * ldx;
                r.xscale = xs.data() + i;
                r.acc = acc.data() + i * s.n;
                t.gemv_i8(r);
              }
            }
          }
          return acc;
        };
        std::string where = layout + " n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) + " m=" + std::to_string(m);
        ASSERT_EQ(run(ScalarKernels(), 1), naive) << where;
        EXPECT_EQ(run(ScalarKernels(), 2), naive) << where;
        for (const KernelTable* t : FastTables()) {
          EXPECT_EQ(run(*t, 0), naive) << t->name << " gemv " << where;
          EXPECT_EQ(run(*t, 2), naive) << t->name << " gemv, two rows " << where;
          EXPECT_EQ(run(*t, 1), naive) << t->name << " gemm " << where;
          if (t->gemm_i8_tiles != nullptr) {
            EXPECT_EQ(run(*t, 3), naive) << t->name << " tiles, laid out by the caller " << where;
            EXPECT_EQ(run(*t, 4), naive) << t->name << " tiles, laid out by the kernel " << where;
          }
        }
        // The 16-bit epilogue (split16: rows 2j, 2j + 1 are one activation row's hi and lo) equals
        // float(256·acc[2j] + acc[2j + 1]) · xscale · wscale, as the unfused route computes it.
        if (m % 2 == 0) {
          for (const auto& [t, kernel] : GemmKernels()) {
            if (!t->gemm_i8_split16) continue;
            std::vector<float> y(static_cast<size_t>(m / 2 * s.n), NAN);
            I8GemmArgs a;
            a.w = view;
            a.xq = xq.data();
            a.xscale = xs.data();
            a.m = m;
            a.ldx = ldx;
            a.n_begin = 0;
            a.n_end = PackedRows(s.n);
            a.y = y.data();
            a.ldy = s.n;
            a.split16 = true;
            kernel(a);
            for (int64_t j = 0; j < m / 2; ++j)
              for (int64_t n = 0; n < s.n; ++n) {
                const int64_t q = int64_t{naive[static_cast<size_t>(2 * j * s.n + n)]} * 256 +
                                  naive[static_cast<size_t>((2 * j + 1) * s.n + n)];
                ASSERT_EQ(y[static_cast<size_t>(j * s.n + n)],
                          static_cast<float>(q) * xs[static_cast<size_t>(j)] * w.q.scales[static_cast<size_t>(n)])
                    << t->name << " split16 " << where;
              }
          }
        }
        // The float epilogue equals acc · xscale · wscale.
        for (const auto& [t, kernel] : GemmKernels()) {
          std::vector<float> y(static_cast<size_t>(m * s.n));
          I8GemmArgs a;
          a.w = view;
          a.xq = xq.data();
          a.xscale = xs.data();
          a.m = m;
          a.ldx = ldx;
          a.n_begin = 0;
          a.n_end = PackedRows(s.n);
          a.y = y.data();
          a.ldy = s.n;
          kernel(a);
          for (int64_t i = 0; i < m; ++i)
            for (int64_t n = 0; n < s.n; ++n)
              ASSERT_EQ(y[static_cast<size_t>(i * s.n + n)],
                        static_cast<float>(naive[static_cast<size_t>(i * s.n + n)]) * xs[static_cast<size_t>(i)] * w.q.scales[static_cast<size_t>(n)]);
        }
        // With activation zero points (XNNPACK's qd8 rows): float(acc − zp·Σ_k w) · xscale · wscale,
        // from every gemm kernel and from gemv_i8 one row at a time, the scalar level included.
        std::vector<int32_t> zps(static_cast<size_t>(m));
        for (int64_t i = 0; i < m; ++i) zps[static_cast<size_t>(i)] = static_cast<int32_t>((i * 37 + s.n) % 255) - 128;
        auto zp_kernels = GemmKernels();
        zp_kernels.emplace_back(&ScalarKernels(), ScalarKernels().gemm_i8);
        for (const KernelTable* t : FastTables()) zp_kernels.emplace_back(t, nullptr);  // gemv_i8
        for (const auto& [t, kernel] : zp_kernels) {
          std::vector<float> y(static_cast<size_t>(m * s.n), NAN);
          I8GemmArgs a;
          a.w = view;
          a.xscale = xs.data();
          a.ldx = ldx;
          a.n_begin = 0;
          a.n_end = PackedRows(s.n);
          a.ldy = s.n;
          a.zero_point = zps.data();
          if (kernel != nullptr) {
            a.xq = xq.data();
            a.m = m;
            a.y = y.data();
            kernel(a);
          } else {
            for (int64_t i = 0; i < m; ++i) {
              I8GemmArgs r = a;
              r.m = 1;
              r.xq = xq.data() + i * ldx;
              r.xscale = xs.data() + i;
              r.zero_point = zps.data() + i;
              r.y = y.data() + i * s.n;
              t->gemv_i8(r);
            }
          }
          for (int64_t i = 0; i < m; ++i)
            for (int64_t n = 0; n < s.n; ++n) {
              const int32_t acc = naive[static_cast<size_t>(i * s.n + n)] -
                                  zps[static_cast<size_t>(i)] * view->row_sums[n];
              ASSERT_EQ(y[static_cast<size_t>(i * s.n + n)],
                        static_cast<float>(acc) * xs[static_cast<size_t>(i)] * w.q.scales[static_cast<size_t>(n)])
                  << t->name << (kernel != nullptr ? " gemm" : " gemv") << " zero points " << where;
            }
        }
      }
    }
  }
}

// The tile GEMM at prefill sizes, where it works in K slices (the sums of one slice carried into
// the next), in several panels of column blocks (an odd number in the last), on runs of 64 rows
// and a 4-row tail, split into row ranges as the pool splits them: exact int32 sums (acc) and
// the 16-bit epilogue (split16), both layouts.
TEST(KernelsTest, Int8TilesAtPrefillSizesExact) {
  for (const KernelTable* t : FastTables()) {
    if (t->gemm_i8_tiles == nullptr) continue;
    // K = 2560: 40 chunks, four slices and panels of nine column blocks; K = 1024: two slices.
    for (const Shape s : {Shape{136, 2560}, Shape{200, 1024}}) {
      Quantized w = Make(s.n, s.k, DType::kI8, 77);
      std::vector<int32_t> stored_sums(static_cast<size_t>(s.n));
      Matrix stored = w.q.view();
      ASSERT_TRUE(ComputeI8RowSums(stored, stored_sums.data(), 2).ok());
      stored.row_sums = stored_sums.data();
      ASSERT_TRUE(RowMajorI8InPlace(stored));
      const int64_t ldx = PackedChunks(DType::kI8, s.k) * 64;
      for (int64_t m : {int64_t{160}, int64_t{38}}) {  // 10 and 3 column blocks
        auto x = RandomVector(static_cast<size_t>(m * s.k), static_cast<uint32_t>(m));
        std::vector<int8_t> xq(static_cast<size_t>(m * ldx));
        std::vector<float> xs(static_cast<size_t>(m));
        for (int64_t i = 0; i < m; ++i) xs[i] = QuantizeActivationRow(x.data() + i * s.k, s.k, ldx, xq.data() + i * ldx);
        std::vector<int32_t> naive(static_cast<size_t>(m * s.n));
        for (int64_t i = 0; i < m; ++i)
          for (int64_t n = 0; n < s.n; ++n) {
            int32_t acc = 0;
            for (int64_t k = 0; k < s.k; ++k)
              acc += static_cast<int8_t>(w.q.data[static_cast<size_t>(n * s.k + k)]) * xq[static_cast<size_t>(i * ldx + k)];
            naive[static_cast<size_t>(i * s.n + n)] = acc;
          }
        for (const Matrix* view : {static_cast<const Matrix*>(&w.packed->view), static_cast<const Matrix*>(&stored)}) {
          const std::string where = std::string(view == &stored ? "row-major" : "packed") + " n=" +
                                    std::to_string(s.n) + " k=" + std::to_string(s.k) + " m=" + std::to_string(m);
          std::vector<int32_t> acc(static_cast<size_t>(m * s.n), -1);
          std::vector<float> y(static_cast<size_t>(m / 2 * s.n), NAN);
          for (bool split16 : {false, true}) {
            I8GemmArgs a;
            a.w = view;
            a.xq = xq.data();
            a.xscale = xs.data();
            a.m = m;
            a.ldx = ldx;
            a.ldy = s.n;
            a.split16 = split16;
            if (split16) {
              a.y = y.data();
            } else {
              a.acc = acc.data();
            }
            // Three row ranges as a pool would split them: runs of 64 rows, the last with the tail.
            for (auto [b, e] : {std::pair<int64_t, int64_t>{0, 64}, {64, 128}, {128, PackedRows(s.n)}}) {
              a.n_begin = b;
              a.n_end = e;
              t->gemm_i8_tiles(a);
            }
          }
          EXPECT_EQ(acc, naive) << t->name << " " << where;
          for (int64_t j = 0; j < m / 2; ++j)
            for (int64_t n = 0; n < s.n; ++n) {
              const int64_t q = int64_t{naive[static_cast<size_t>(2 * j * s.n + n)]} * 256 +
                                naive[static_cast<size_t>((2 * j + 1) * s.n + n)];
              ASSERT_EQ(y[static_cast<size_t>(j * s.n + n)],
                        static_cast<float>(q) * xs[static_cast<size_t>(j)] * w.q.scales[static_cast<size_t>(n)])
                  << t->name << " split16 " << where;
            }
        }
      }
    }
  }
}

// fp32-activation GEMVs (int8 weight-only, f16, bf16) and int4: levels vs scalar vs a double
// reference from the stored layout. Float sums differ only in order → tight relative bound.
template <typename Run>
void CheckFloatKernel(DType t, bool int4, const Run& run, const char* what) {
  uint32_t seed = 100;
  const auto shapes = int4 ? ShapesWithRandom(std::begin(kI4Shapes), std::end(kI4Shapes), 128)
                           : ShapesWithRandom(std::begin(kI8Shapes), std::end(kI8Shapes), 1);
  for (const Shape& s : shapes) {
    Quantized w = Make(s.n, s.k, t, seed++);
    auto x = RandomVector(static_cast<size_t>(s.k), seed++);
    std::vector<float> wd(static_cast<size_t>(s.n * s.k));
    DequantizeRows(w.q.view(), 0, s.n, wd.data(), s.k);
    // Reference input as the kernel sees it (int4 quantizes x first).
    const int64_t padded = PackedChunks(t, s.k) * ElementsPerChunk(t);
    std::vector<int8_t> xq(static_cast<size_t>(padded));
    float xs = int4 ? QuantizeActivationRow(x.data(), s.k, padded, xq.data()) : 0.0f;
    std::vector<double> ref(static_cast<size_t>(s.n)), mag(static_cast<size_t>(s.n));
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t k = 0; k < s.k; ++k) {
        double xv = int4 ? static_cast<double>(xq[static_cast<size_t>(k)]) * xs : x[static_cast<size_t>(k)];
        double p = static_cast<double>(wd[static_cast<size_t>(n * s.k + k)]) * xv;
        ref[static_cast<size_t>(n)] += p;
        mag[static_cast<size_t>(n)] += std::fabs(p);
      }
    std::vector<float> xpad(static_cast<size_t>(padded), 0.0f);
    std::copy(x.begin(), x.end(), xpad.begin());
    std::vector<const KernelTable*> all = FastTables();
    all.insert(all.begin(), &ScalarKernels());
    for (const KernelTable* kt : all) {
      std::vector<float> y(static_cast<size_t>(s.n), NAN);
      run(*kt, w.packed->view, xpad.data(), xq.data(), xs, y.data());
      for (int64_t n = 0; n < s.n; ++n) {
        EXPECT_NEAR(y[static_cast<size_t>(n)], ref[static_cast<size_t>(n)], 1e-5 * mag[static_cast<size_t>(n)] + 1e-6)
            << what << " " << kt->name << " n=" << s.n << " k=" << s.k << " row " << n;
      }
    }
  }
}

TEST(KernelsTest, FloatActivationGemvs) {
  auto run_float = [](const KernelTable& kt, const Matrix& w, const float* x, const int8_t*, float,
                      float* y) {
    FloatGemvArgs a;
    a.w = &w;
    a.x = x;
    a.n_begin = 0;
    a.n_end = PackedRows(w.rows);
    a.y = y;
    (w.dtype == DType::kI8 ? kt.gemv_i8_weight_only : kt.gemv_f16)(a);
  };
  CheckFloatKernel(DType::kI8, false, run_float, "int8 weight-only");
  CheckFloatKernel(DType::kF16, false, run_float, "f16");
  CheckFloatKernel(DType::kBF16, false, run_float, "bf16");
}

TEST(KernelsTest, Int4Gemv) {
  auto run_i4 = [](const KernelTable& kt, const Matrix& w, const float*, const int8_t* xq, float xs,
                   float* y) {
    I4GemvArgs a;
    a.w = &w;
    a.xq = xq;
    a.xscale = xs;
    // Split in two ranges like two threads.
    int64_t mid = PackedRows(w.rows) / 8 * 4;
    a.y = y;
    a.n_begin = 0;
    a.n_end = mid;
    kt.gemv_i4(a);
    a.n_begin = mid;
    a.n_end = PackedRows(w.rows);
    kt.gemv_i4(a);
  };
  CheckFloatKernel(DType::kI4Block32, true, run_i4, "int4 block32");
  CheckFloatKernel(DType::kI4Block128, true, run_i4, "int4 block128");
}

}  // namespace
}  // namespace litertlm
