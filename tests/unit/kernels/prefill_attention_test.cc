#include "kernels/prefill_attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/attention_ops.h"
#include "kernels/kernel_table.h"

namespace litertlm {
namespace {

// One attention problem: `heads` query heads × `queries` queries at positions first_pos + t, in
// rows of ldq floats (other heads of the row around them, as in a model's query matrix), against
// kv_rows key/value rows from position kv_begin, stored in `type`.
struct Problem {
  int heads = 1;
  int64_t queries = 1;
  int d = 8;
  int64_t first_pos = 0;
  int64_t kv_begin = 0;
  int64_t window = 0;
  float scale = 1.0f;
  float softcap = 0.0f;
  AttentionKvType type = AttentionKvType::kF32;
  float magnitude = 1.0f;  // of the queries

  int64_t kv_rows() const { return first_pos + queries - kv_begin; }
  int64_t ldq() const { return int64_t{heads + 2} * d; }  // a head before and after the block
  int block() const { return d % 32 == 0 ? 32 : d; }       // int8 scale block, as KvCache's
  std::string Name() const {
    return "heads " + std::to_string(heads) + " queries " + std::to_string(queries) + " d " +
           std::to_string(d) + " first " + std::to_string(first_pos) + " kv_begin " +
           std::to_string(kv_begin) + " window " + std::to_string(window) + " softcap " +
           std::to_string(softcap) + " type " + std::to_string(static_cast<int>(type));
  }
};

// Random queries, and keys/values stored in the problem's dtype together with their exact fp32
// widening (what the kernel must compute with).
struct Data {
  std::vector<float> q;
  std::vector<float> k32, v32;  // stored rows widened, kv_rows × d
  std::vector<float> kf, vf;    // kF32 storage
  std::vector<uint16_t> kh, vh;  // kF16 storage
  std::vector<int8_t> k8, v8;   // kQ8 storage
  std::vector<float> ks, vs;    // kQ8 scales
};

Data MakeData(const Problem& p, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Data x;
  const int64_t n = p.kv_rows() * p.d;
  x.q.resize(static_cast<size_t>(p.queries * p.ldq()));
  for (float& v : x.q) v = dist(rng) * p.magnitude;
  x.kf.resize(static_cast<size_t>(n));
  x.vf.resize(static_cast<size_t>(n));
  for (float& v : x.kf) v = dist(rng);
  for (float& v : x.vf) v = dist(rng);
  const AttentionOps& ops = ScalarAttentionOps();
  switch (p.type) {
    case AttentionKvType::kF32:
      x.k32 = x.kf;
      x.v32 = x.vf;
      break;
    case AttentionKvType::kF16:
      x.kh.resize(static_cast<size_t>(n));
      x.vh.resize(static_cast<size_t>(n));
      ops.to_f16(x.kf.data(), x.kh.data(), static_cast<int>(n));
      ops.to_f16(x.vf.data(), x.vh.data(), static_cast<int>(n));
      x.k32.resize(static_cast<size_t>(n));
      x.v32.resize(static_cast<size_t>(n));
      ops.to_f32(x.kh.data(), x.k32.data(), static_cast<int>(n));
      ops.to_f32(x.vh.data(), x.v32.data(), static_cast<int>(n));
      break;
    case AttentionKvType::kQ8: {
      const int64_t scales = n / p.block();
      x.k8.resize(static_cast<size_t>(n));
      x.v8.resize(static_cast<size_t>(n));
      x.ks.resize(static_cast<size_t>(scales));
      x.vs.resize(static_cast<size_t>(scales));
      ops.to_q8(x.kf.data(), x.k8.data(), x.ks.data(), static_cast<int>(n), p.block());
      ops.to_q8(x.vf.data(), x.v8.data(), x.vs.data(), static_cast<int>(n), p.block());
      x.k32.resize(static_cast<size_t>(n));
      x.v32.resize(static_cast<size_t>(n));
      ops.q8_to_f32(x.k8.data(), x.ks.data(), x.k32.data(), n, p.block());
      ops.q8_to_f32(x.v8.data(), x.vs.data(), x.v32.data(), n, p.block());
      break;
    }
  }
  return x;
}

// The plain definition in double: per row, scores of the visible keys, max-subtracted softmax,
// weighted values. out has the queries' layout; head h of the block is row head h + 1.
std::vector<double> Reference(const Problem& p, const Data& x) {
  std::vector<double> out(x.q.size(), 0.0);
  for (int h = 0; h < p.heads; ++h) {
    for (int64_t t = 0; t < p.queries; ++t) {
      const int64_t pos = p.first_pos + t;
      const int64_t lo = p.window > 0 ? std::max(p.kv_begin, pos - p.window + 1) : p.kv_begin;
      const float* q = &x.q[t * p.ldq() + int64_t{h + 1} * p.d];
      std::vector<double> s;
      for (int64_t j = lo; j <= pos; ++j) {
        const float* k = &x.k32[(j - p.kv_begin) * p.d];
        double dot = 0;
        for (int c = 0; c < p.d; ++c) dot += double{q[c]} * k[c];
        double score = p.scale * dot;
        if (p.softcap > 0) score = std::tanh(score / p.softcap) * p.softcap;
        s.push_back(score);
      }
      const double mx = *std::max_element(s.begin(), s.end());
      double sum = 0;
      for (double& v : s) sum += (v = std::exp(v - mx));
      double* o = &out[t * p.ldq() + int64_t{h + 1} * p.d];
      for (int64_t j = lo; j <= pos; ++j) {
        const float* v = &x.v32[(j - p.kv_begin) * p.d];
        for (int c = 0; c < p.d; ++c) o[c] += s[j - lo] / sum * v[c];
      }
    }
  }
  return out;
}

PrefillAttentionArgs ArgsFor(const Problem& p, const Data& x, float* out, float* scratch) {
  PrefillAttentionArgs a;
  a.q = x.q.data() + p.d;
  a.ldq = p.ldq();
  a.heads = p.heads;
  a.queries = p.queries;
  a.d = p.d;
  a.first_pos = p.first_pos;
  a.kv_type = p.type;
  switch (p.type) {
    case AttentionKvType::kF32:
      a.k = x.kf.data();
      a.v = x.vf.data();
      break;
    case AttentionKvType::kF16:
      a.k = x.kh.data();
      a.v = x.vh.data();
      break;
    case AttentionKvType::kQ8:
      a.k = x.k8.data();
      a.v = x.v8.data();
      a.k_scales = x.ks.data();
      a.v_scales = x.vs.data();
      a.q8_block = p.block();
      break;
  }
  a.kv_begin = p.kv_begin;
  a.kv_rows = p.kv_rows();
  a.window = p.window;
  a.scale = p.scale;
  a.softcap = p.softcap;
  a.out = out + p.d;
  a.ldo = p.ldq();
  a.scratch = scratch;
  return a;
}

constexpr float kUntouched = -12345.0f;

// Runs `fn` (one level's entry point) on the problem and checks every output of the block
// against the reference (within `tol`, relative to the values' scale of 1), and that the heads
// around the block are not written.
template <typename Fn>
void ExpectMatchesReference(const Problem& p, const Data& x, const std::vector<double>& want,
                            float tol, const std::string& level, Fn fn) {
  std::vector<float> out(x.q.size(), kUntouched);
  // Scratch filled with NaNs: the kernel must not read what it has not written.
  std::vector<float> scratch(
      static_cast<size_t>(PrefillAttentionScratchFloats(int64_t{p.heads} * p.queries, p.d)),
      std::numeric_limits<float>::quiet_NaN());
  fn(ArgsFor(p, x, out.data(), scratch.data()));
  for (int64_t t = 0; t < p.queries; ++t) {
    for (int64_t i = 0; i < p.ldq(); ++i) {
      const int64_t idx = t * p.ldq() + i;
      const bool inside = i >= p.d && i < int64_t{p.heads + 1} * p.d;
      if (!inside) {
        ASSERT_EQ(out[idx], kUntouched) << level << " " << p.Name() << " t " << t << " i " << i;
        continue;
      }
      ASSERT_NEAR(out[idx], want[idx], tol) << level << " " << p.Name() << " t " << t << " i " << i;
    }
  }
}

// Every level of this CPU, through the kernel table, and the scalar tile operations directly.
void ExpectAllLevelsMatch(const Problem& p, std::mt19937& rng, float tol = 2e-5f) {
  const Data x = MakeData(p, rng);
  const std::vector<double> want = Reference(p, x);
  ExpectMatchesReference(p, x, want, tol, "scalar ops", [](const PrefillAttentionArgs& a) {
    RunPrefillAttention(a, ScalarPrefillTileOps());
  });
  for (const KernelTable* t : SupportedKernels()) {
    ExpectMatchesReference(p, x, want, tol, t->name, t->prefill_attention);
  }
}

// Shapes around every blocking edge: query rows (heads × queries) below, at and above the 8- and
// 16-row vectors and the 64-row score blocks; head sizes that are and are not multiples of the
// vector width (1, 7, 20) and the real ones (64, 128, 256); key counts across the 64-key tiles
// and the 6-key score blocks; a block starting after earlier positions (a second prefill).
TEST(PrefillAttentionTest, MatchesReferenceOverShapes) {
  std::mt19937 rng(1);
  for (int d : {1, 7, 20, 64, 128, 256}) {
    for (int heads : {1, 2, 3, 4}) {
      for (int64_t queries : {1, 5, 16, 17, 64}) {
        for (int64_t first : {0, 3, 70}) {
          if (d >= 128 && queries == 5) continue;  // keep the run short
          Problem p;
          p.d = d;
          p.heads = heads;
          p.queries = queries;
          p.first_pos = first;
          p.scale = 1.0f / std::sqrt(static_cast<float>(d));
          ExpectAllLevelsMatch(p, rng);
        }
      }
    }
  }
}

// Sliding windows at their edges: a window of 1 (each query sees only itself), windows shorter
// than, equal to and longer than the block, a window ending inside a key tile, and a block
// whose first query's window starts after kv_begin (the cache holds older positions).
TEST(PrefillAttentionTest, SlidingWindowEdges) {
  std::mt19937 rng(2);
  for (int64_t window : {1, 2, 5, 17, 64, 65, 100, 512}) {
    for (int64_t first : {0, 10, 130}) {
      for (int64_t queries : {16, 33, 64}) {
        Problem p;
        p.d = 64;
        p.heads = 2;
        p.queries = queries;
        p.first_pos = first;
        p.window = window;
        p.scale = 0.125f;
        ExpectAllLevelsMatch(p, rng);
        if (first > window) {  // the caller passes only the keys the block can see
          p.kv_begin = first - window + 1;
          ExpectAllLevelsMatch(p, rng);
        }
      }
    }
  }
}

// Soft-capped logits (Gemma 2's 50), with scores large enough for the cap to bite.
TEST(PrefillAttentionTest, SoftCapping) {
  std::mt19937 rng(3);
  for (float cap : {50.0f, 5.0f}) {
    for (int64_t first : {0, 40}) {
      Problem p;
      p.d = 128;
      p.heads = 4;
      p.queries = 24;
      p.first_pos = first;
      p.softcap = cap;
      p.scale = 1.0f;
      p.magnitude = 2.0f;
      ExpectAllLevelsMatch(p, rng);
    }
  }
}

// fp16 and int8 caches (int8 blocks of 32, and of the whole row when d is not a multiple of 32),
// with and without a window, at Gemma 3 and Qwen3 head sizes and an odd one.
TEST(PrefillAttentionTest, KvCacheTypes) {
  std::mt19937 rng(4);
  for (AttentionKvType type : {AttentionKvType::kF16, AttentionKvType::kQ8}) {
    for (int d : {20, 128, 256}) {
      for (int64_t window : {0, 37}) {
        for (int64_t first : {0, 90}) {
          Problem p;
          p.type = type;
          p.d = d;
          p.heads = d == 256 ? 4 : 2;
          p.queries = 40;
          p.first_pos = first;
          p.window = window;
          p.scale = 1.0f / std::sqrt(static_cast<float>(d));
          ExpectAllLevelsMatch(p, rng);
        }
      }
    }
  }
}

// Scores of ±thousands (exp would overflow fp32 without the running maximum). The keys are shifted
// by a constant growing along them: for the rows whose query components sum above zero the scores
// rise key after key (the maximum grows from tile to tile and every earlier partial sum is
// rescaled), for the others they fall (the first tile holds the maximum).
TEST(PrefillAttentionTest, LargeScoresStayFinite) {
  std::mt19937 rng(5);
  Problem p;
  p.d = 64;
  p.heads = 2;
  p.queries = 32;
  p.first_pos = 200;
  p.magnitude = 30.0f;
  p.scale = 1.0f;
  Data x = MakeData(p, rng);
  for (int64_t j = 0; j < p.kv_rows(); ++j) {
    for (int c = 0; c < p.d; ++c) x.kf[j * p.d + c] += 0.02f * static_cast<float>(j);
  }
  x.k32 = x.kf;
  const std::vector<double> want = Reference(p, x);
  auto check = [&](const std::string& level, auto fn) {
    std::vector<float> out(x.q.size(), kUntouched);
    std::vector<float> scratch(
        static_cast<size_t>(PrefillAttentionScratchFloats(int64_t{p.heads} * p.queries, p.d)));
    fn(ArgsFor(p, x, out.data(), scratch.data()));
    for (int64_t t = 0; t < p.queries; ++t) {
      for (int64_t i = p.d; i < int64_t{p.heads + 1} * p.d; ++i) {
        const int64_t idx = t * p.ldq() + i;
        ASSERT_TRUE(std::isfinite(out[idx])) << level << " t " << t << " i " << i;
        // Scores near 1e4 carry absolute errors near 1e-3 in fp32: so do the weights.
        ASSERT_NEAR(out[idx], want[idx], 5e-3) << level << " t " << t << " i " << i;
      }
    }
  };
  check("scalar ops", [](const PrefillAttentionArgs& a) {
    RunPrefillAttention(a, ScalarPrefillTileOps());
  });
  for (const KernelTable* t : SupportedKernels()) check(t->name, t->prefill_attention);
}

// Random problems over all the options at once.
TEST(PrefillAttentionTest, RandomProblems) {
  std::mt19937 rng(6);
  std::uniform_int_distribution<int> pick(0, 1 << 20);
  const int dims[] = {3, 16, 24, 64, 96, 128};
  const AttentionKvType types[] = {AttentionKvType::kF32, AttentionKvType::kF16,
                                   AttentionKvType::kQ8};
  for (int iter = 0; iter < 60; ++iter) {
    Problem p;
    p.d = dims[pick(rng) % 6];
    p.heads = 1 + pick(rng) % 5;
    p.queries = 1 + pick(rng) % 90;
    p.first_pos = pick(rng) % 150;
    p.window = pick(rng) % 3 == 0 ? 0 : 1 + pick(rng) % 120;
    if (p.window > 0 && p.first_pos >= p.window && pick(rng) % 2 == 0) {
      p.kv_begin = p.first_pos - p.window + 1;
    }
    p.softcap = pick(rng) % 4 == 0 ? 20.0f : 0.0f;
    p.type = types[pick(rng) % 3];
    p.scale = 1.0f / std::sqrt(static_cast<float>(p.d));
    ExpectAllLevelsMatch(p, rng);
  }
}

}  // namespace
}  // namespace litertlm
