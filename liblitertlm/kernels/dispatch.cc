// Runtime CPU dispatch: picks the best kernel table once (kernels/kernel_table.h).
#include <cstdlib>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
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

// AMX-TILE and AMX-INT8 (CPUID.7.0:EDX bits 24, 25), the tile state enabled by the OS (XCR0 bits
// 17 and 18) and, on Linux, granted to this process (ARCH_REQ_XCOMP_PERM for XTILEDATA; the
// grant covers all its threads, present and future). Asked once.
bool AmxInt8Usable() {
  static const bool usable = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
    if ((edx & (1u << 24)) == 0 || (edx & (1u << 25)) == 0) return false;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || (ecx & (1u << 27)) == 0) return false;
    unsigned lo = 0, hi = 0;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));  // XCR0
    const unsigned long long xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
    if ((xcr0 & (3ull << 17)) != (3ull << 17)) return false;
#if defined(__linux__)
    constexpr long kArchReqXcompPerm = 0x1023;
    constexpr long kXfeatureXtiledata = 18;
    if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
#endif
    return true;
  }();
  return usable;
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
    case Isa::kAmxInt8:
      return CpuSupports(Isa::kAvx512Vnni) && AmxInt8Usable();
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

const KernelTable& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAmxInt8: return AmxInt8Kernels();
    case Isa::kAvx512Vnni: return Avx512VnniKernels();
    case Isa::kAvx2: return Avx2Kernels();
    default: return ScalarKernels();
  }
}

std::vector<const KernelTable*> SupportedKernels() {
  std::vector<const KernelTable*> tables;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kAmxInt8}) {
    if (CpuSupports(isa)) tables.push_back(&KernelsFor(isa));
  }
  return tables;
}

const KernelTable& ActiveKernels() {
  static const KernelTable& table = [] () -> const KernelTable& {
    Isa cap = Isa::kAmxInt8;
    if (const char* env = std::getenv("LITERTLM_ISA")) {
      std::string_view v(env);
      if (v == "scalar") cap = Isa::kScalar;
      if (v == "avx2") cap = Isa::kAvx2;
      if (v == "avx512") cap = Isa::kAvx512Vnni;
    }
    for (Isa isa : {Isa::kAmxInt8, Isa::kAvx512Vnni, Isa::kAvx2}) {
      if (static_cast<int>(isa) <= static_cast<int>(cap) && CpuSupports(isa)) return KernelsFor(isa);
    }
    return ScalarKernels();
  }();
  return table;
}

}  // namespace litertlm
