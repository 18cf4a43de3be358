// GetComputeInfo reports the levels the library actually runs.
#include <gtest/gtest.h>

#include "kernels/blas.h"
#include "kernels/kernel_table.h"
#include "litertlm/model.h"

namespace litertlm {
namespace {

TEST(ComputeInfoTest, NamesTheLevelsInUse) {
  const ComputeInfo info = GetComputeInfo();
  EXPECT_EQ(info.kernels, ActiveKernels().name);
  EXPECT_EQ(info.blas_core, BlasCoreName());
  EXPECT_EQ(info.cpu_isa, VectorLevelName(CpuVectorLevel()));
#if defined(__x86_64__)
  EXPECT_FALSE(info.cpu_isa.empty());
#endif
  // Below the CPU exactly when OpenBLAS's core is a known one of a lower level.
  const VectorLevel core = BlasCoreLevel(info.blas_core);
  EXPECT_EQ(info.blas_core_below_cpu,
            core != VectorLevel::kUnknown && core < CpuVectorLevel());
  // A kernel level this process runs implies the CPU's vector level under it.
  if (ActiveKernels().isa >= Isa::kAvx512Vnni) {
    EXPECT_EQ(info.cpu_isa, "avx512");
  }
  if (ActiveKernels().isa == Isa::kAvx2) {
    EXPECT_NE(info.cpu_isa, "sse");
  }
}

}  // namespace
}  // namespace litertlm
