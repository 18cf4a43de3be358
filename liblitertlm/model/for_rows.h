// Per-row steps of a forward pass (norms, RoPE, the KV cache write, residuals, gated activations):
// split over the pool for prefills, run inline for decode.
#ifndef LITERTLM_MODEL_FOR_ROWS_H_
#define LITERTLM_MODEL_FOR_ROWS_H_

#include <cstdint>

#include "kernels/linear.h"

namespace litertlm {

// Prefills of at least this many rows run their per-row steps across the pool; fewer stay inline.
inline constexpr int64_t kMinParallelRows = 32;

// fn(t0, t1) over rows [0, m). Every step run through it is per row, so the split changes no
// result.
template <typename Fn>
void ForRows(KernelContext& ctx, int64_t m, const Fn& fn) {
  if (m < kMinParallelRows) {
    fn(int64_t{0}, m);
    return;
  }
  ctx.pool().ParallelFor(m, fn);
}

}  // namespace litertlm

#endif  // LITERTLM_MODEL_FOR_ROWS_H_
