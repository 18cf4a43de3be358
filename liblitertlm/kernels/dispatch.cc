// Runtime CPU dispatch: picks the best kernel table once (kernels/kernel_table.h).
#include <cstdlib>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "kernels/kernel_table.h"

namespace litertlm {

#if defined(__x86_64__)
namespace {
// CPUID.1:ECX.F16C (bit 29); Clang's __builtin_cpu_supports has no "f16c".
bool HasF16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
}
}  // namespace
#endif

bool CpuSupports(Isa isa) {
#if defined(__x86_64__)
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             HasF16c();
    case Isa::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
             HasF16c() && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

const KernelTable& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512Vnni: return Avx512VnniKernels();
    case Isa::kAvx2: return Avx2Kernels();
    default: return ScalarKernels();
  }
}

const KernelTable& ActiveKernels() {
  static const KernelTable& table = [] () -> const KernelTable& {
    Isa cap = Isa::kAvx512Vnni;
    if (const char* env = std::getenv("LITERTLM_ISA")) {
      std::string_view v(env);
      if (v == "scalar") cap = Isa::kScalar;
      if (v == "avx2") cap = Isa::kAvx2;
    }
    for (Isa isa : {Isa::kAvx512Vnni, Isa::kAvx2}) {
      if (static_cast<int>(isa) <= static_cast<int>(cap) && CpuSupports(isa)) return KernelsFor(isa);
    }
    return ScalarKernels();
  }();
  return table;
}

}  // namespace litertlm
