// Linear end to end: every format and route, 1 and 2 threads, against fp32 math on the
// dequantized weights (plus the activation-quantization error for the dynamic formats).
#include "kernels/linear.h"

#include <cmath>
#include <random>
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
        for (auto path : {KernelContext::Int8GemmPath::kInt8, KernelContext::Int8GemmPath::kDequantSgemm}) {
          KernelContext ctx(threads);
          ctx.set_int8_gemm_path(path);
          std::vector<float> y(static_cast<size_t>(m * n_rows), NAN);
          const Matrix& mat = packed ? packed->view : q.view();
          Linear(ctx, mat, x.data(), m, y.data());
          EXPECT_LT(RelErr(y, ref), c.tol) << DTypeName(c.dtype) << " dyn=" << c.dynamic << " m=" << m
                                           << " threads=" << threads << " path=" << static_cast<int>(path);
          // The unpacked (stored-layout) fallback computes with fp32 activations.
          std::vector<float> y2(static_cast<size_t>(m * n_rows), NAN);
          Linear(ctx, q.view(c.dynamic), x.data(), m, y2.data());
          EXPECT_LT(RelErr(y2, ref), 1e-5) << "unpacked " << DTypeName(c.dtype);
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

}  // namespace
}  // namespace litertlm
