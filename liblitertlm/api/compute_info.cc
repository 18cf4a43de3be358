// GetComputeInfo (litertlm/model.h): the kernel level, the CPU's vector level and OpenBLAS's core.
#include "kernels/blas.h"
#include "kernels/kernel_table.h"
#include "litertlm/model.h"

namespace litertlm {

ComputeInfo GetComputeInfo() {
  ComputeInfo info;
  info.kernels = ActiveKernels().name;
  info.cpu_isa = VectorLevelName(CpuVectorLevel());
  info.blas_core = BlasCoreName();
  info.blas_core_below_cpu = BlasCoreBelowCpu();
  return info;
}

}  // namespace litertlm
