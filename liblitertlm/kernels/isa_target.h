// Compiles the functions between LITERTLM_TARGET_PUSH("features") and LITERTLM_TARGET_POP() for
// the given x86 extensions, with GCC (#pragma GCC target) or Clang (#pragma clang attribute),
// so one translation unit can hold AVX2 or AVX-512 kernels behind runtime dispatch. Include
// every header before the push: only this file's own functions may carry the target.
#ifndef LITERTLM_KERNELS_ISA_TARGET_H_
#define LITERTLM_KERNELS_ISA_TARGET_H_

#define LITERTLM_PRAGMA_STR(...) #__VA_ARGS__

#if defined(__clang__)
#define LITERTLM_TARGET_PUSH(features)                                                     \
  _Pragma(LITERTLM_PRAGMA_STR(clang attribute push(__attribute__((target(features))),     \
                                                   apply_to = function)))
#define LITERTLM_TARGET_POP() _Pragma("clang attribute pop")
#else
#define LITERTLM_TARGET_PUSH(features) \
  _Pragma("GCC push_options") _Pragma(LITERTLM_PRAGMA_STR(GCC target(features)))
#define LITERTLM_TARGET_POP() _Pragma("GCC pop_options")
#endif

// Before a loop over a register block's rows or vectors (`for (int i = 0; i < K; ++i)` with K a
// template constant): unrolls it fully where it is written. GCC 12 otherwise keeps an accumulator
// array such as `__m256 acc[K][N]` in memory, because it splits arrays into registers before it
// unrolls such loops: the block's inner loop then stored every accumulator to the stack on every
// step (measured: prefill attention at 25 instead of 52-71 GFLOP/s on a Zen 3 core).
#if defined(__clang__)
#define LITERTLM_UNROLL _Pragma("unroll")
#else
#define LITERTLM_UNROLL _Pragma("GCC unroll 16")
#endif

#endif  // LITERTLM_KERNELS_ISA_TARGET_H_
