// Fused causal attention of a block of query rows (prefill): scores, masked online softmax and the
// weighted sum of values, tile by tile over the keys (flash-attention style: no query × context
// score matrix), for the query heads that share one KV head stacked together so that each key and
// value tile is read (and, for an fp16 or int8 cache, widened to fp32) once for all of them.
//
// Math is fp32. For query row r (head i, query t, at position p = first_pos + t) with visible keys
// V_r = {j : max(kv_begin, p − window + 1) ≤ j ≤ p} (no lower bound but kv_begin when window = 0):
//   s_j   = scale · q_r · k_j, then s_j = softcap · tanh(s_j / softcap) when softcap > 0
//   out_r = Σ_{j ∈ V_r} exp(s_j − max s) · v_j / Σ_{j ∈ V_r} exp(s_j − max s)
// The maximum is a running one (per key tile, the partial sums rescaled when it grows), so the
// exponentials never overflow. Results equal a two-pass softmax up to fp32 rounding (summation
// order, the exp approximation of kernels/elementwise.h's softmax).
//
// One ISA's code is three tile operations (PrefillTileOps) under one portable driver
// (RunPrefillAttention): the scalar ones are the reference the vector ones are tested against.
// The entry point for a CPU is KernelTable::prefill_attention (kernels/kernel_table.h).
//
// Thread-safety: pure functions of their arguments; calls with disjoint `out` rows and scratch
// may run concurrently.
#ifndef LITERTLM_KERNELS_PREFILL_ATTENTION_H_
#define LITERTLM_KERNELS_PREFILL_ATTENTION_H_

#include <cstdint>

namespace litertlm {

// Element type of the key and value rows.
enum class AttentionKvType {
  kF32,
  kF16,  // IEEE binary16
  kQ8,   // int8 with one fp32 scale per q8_block values (kernels/attention_ops.h, to_q8)
};

struct PrefillAttentionArgs {
  // Queries: `heads` query heads × `queries` consecutive positions; head i of query t is the d
  // floats at q + t·ldq + i·d. out has the same layout (stride ldo) and is overwritten.
  const float* q = nullptr;
  int64_t ldq = 0;
  int heads = 1;
  int64_t queries = 0;
  int d = 0;
  int64_t first_pos = 0;  // position of query 0
  // Keys and values of positions [kv_begin, kv_begin + kv_rows): contiguous rows of d elements
  // of `kv_type` (kQ8: plus d / q8_block scales per row, contiguous). Every query must see at
  // least one of them: kv_begin ≤ first_pos, and first_pos + queries ≤ kv_begin + kv_rows.
  AttentionKvType kv_type = AttentionKvType::kF32;
  const void* k = nullptr;
  const void* v = nullptr;
  const float* k_scales = nullptr;  // kQ8 only
  const float* v_scales = nullptr;  // kQ8 only
  int q8_block = 0;                 // kQ8 only; divides d
  int64_t kv_begin = 0;
  int64_t kv_rows = 0;
  int64_t window = 0;  // sliding window (keys p − window + 1 .. p); 0 = none
  float scale = 1.0f;
  float softcap = 0.0f;  // 0 = none
  float* out = nullptr;
  int64_t ldo = 0;
  // PrefillAttentionScratchFloats(heads · queries, d) floats, not shared with another call.
  float* scratch = nullptr;
};

// Scratch floats one call needs for `rows` (= heads · queries) query rows of d values, at
// every ISA level.
int64_t PrefillAttentionScratchFloats(int64_t rows, int d);

// The three tile operations of one ISA level. Query rows are padded to rp, a multiple of
// `lanes`, and value columns to dp (d rounded up to `lanes`); a key tile holds at most
// kPrefillKeyTile keys. The transposed queries and the tile's scores are stored with a row
// stride ld ≥ rp (chosen so that successive rows do not map to the same cache sets).
struct PrefillTileOps {
  int lanes;
  // st[j·ld + r] = scale · Σ_{c<d} qt[c·ld + r] · k[j·ldk + c] for j < keys, r < rp
  // (qt: the query rows transposed, d × rp).
  void (*scores)(const float* qt, int64_t rp, int64_t ld, int d, const float* k, int64_t ldk,
                 int keys, float scale, float* st);
  // The online-softmax step of one key tile, keys at positions key0 + j (j < keys), for rows
  // r < rp that see positions [lo[r], hi[r]] (held as floats, exact below 2^24): with
  // m_new = max(m[r], max of the visible st[j·ld + r]),
  //   st[j·ld + r] = exp(st − m_new) for visible keys, else 0;  corr[r] = exp(m[r] − m_new)
  //   (0 while m[r] = −inf, 1 while the row has seen nothing);  l[r] = l[r]·corr[r] + Σ_j st;
  //   m[r] = m_new.
  void (*softmax)(float* st, int64_t rp, int64_t ld, int keys, float key0, const float* lo,
                  const float* hi, float* m, float* l, float* corr);
  // o[r·ldo + c] = corr[r]·o[r·ldo + c] + Σ_{j<keys} st[j·ld + r] · v[j·ldv + c] for r < rp,
  // c < dp (v rows hold dp floats; ldv and ldo are multiples of lanes).
  void (*accumulate)(const float* st, int64_t rp, int64_t ld, int keys, const float* v,
                     int64_t ldv, int dp, const float* corr, float* o, int64_t ldo);
};

// Keys per tile (the rows of one scores / softmax / accumulate step).
inline constexpr int kPrefillKeyTile = 64;

// The fused attention of `args` with the tile operations `ops`.
void RunPrefillAttention(const PrefillAttentionArgs& args, const PrefillTileOps& ops);

const PrefillTileOps& ScalarPrefillTileOps();
// nullptr when the CPU lacks the level (AVX2 + FMA + F16C; AVX-512 F).
const PrefillTileOps* Avx2PrefillTileOps();
const PrefillTileOps* Avx512PrefillTileOps();

// RunPrefillAttention with each level's tile operations: KernelTable::prefill_attention.
void PrefillAttentionScalar(const PrefillAttentionArgs& args);
void PrefillAttentionAvx2(const PrefillAttentionArgs& args);
void PrefillAttentionAvx512(const PrefillAttentionArgs& args);

}  // namespace litertlm

#endif  // LITERTLM_KERNELS_PREFILL_ATTENTION_H_
