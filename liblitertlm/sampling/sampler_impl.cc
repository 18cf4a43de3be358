#include "sampling/sampler_impl.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>

namespace litertlm {

// The public Sampler's destructor: it anchors the base class's vtable here, beside its only
// implementation, below the facade (api/sampler.cc).
Sampler::~Sampler() = default;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Unnormalised probability of a logit: exp((logit - max) / T), computed identically everywhere
// so sums over different subsets agree bit for bit.
inline double Weight(float logit, float max_logit, float inv_temperature) {
  return static_cast<double>(std::exp((logit - max_logit) * inv_temperature));
}

// Keeps the k first candidates in Precedes order (unsorted) when there are more.
void CompactToK(std::vector<Candidate>* c, size_t k) {
  if (c->size() <= k) return;
  std::nth_element(c->begin(), c->begin() + static_cast<std::ptrdiff_t>(k - 1), c->end(),
                   Precedes);
  c->resize(k);
}

// Elements per block in the block-max scans below: small enough to stay in L1, large enough that
// skipping a block saves real work.
constexpr size_t kBlock = 512;

// Largest of p[0, n), ignoring NaN; -inf when there is none. Written as independent lanes so the
// compiler vectorises it (maxps-style select, which leaves NaN out exactly like `x > m`).
float BlockMax(const float* p, size_t n) {
  constexpr size_t kLanes = 16;
  float m[kLanes];
  for (float& x : m) x = kNegInf;
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) m[j] = p[i + j] > m[j] ? p[i + j] : m[j];
  }
  for (; i < n; ++i) m[0] = p[i] > m[0] ? p[i] : m[0];
  float r = m[0];
  for (size_t j = 1; j < kLanes; ++j) r = m[j] > r ? m[j] : r;
  return r;
}

std::string FloatText(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(v));
  return buf;
}

}  // namespace

Status ValidateSamplerOptions(const SamplerOptions& options) {
  if (!std::isfinite(options.temperature) || options.temperature < 0.0f) {
    return InvalidArgumentError("SamplerOptions.temperature must be a finite number >= 0 (0 = "
                                "greedy), got " + FloatText(options.temperature));
  }
  if (!(options.top_p > 0.0f && options.top_p <= 1.0f)) {
    return InvalidArgumentError("SamplerOptions.top_p must be in (0, 1] (1 = off), got " +
                                FloatText(options.top_p));
  }
  if (options.top_k < 0) {
    return InvalidArgumentError("SamplerOptions.top_k must be >= 0 (0 = off), got " +
                                std::to_string(options.top_k));
  }
  return Status::Ok();
}

int32_t ArgMax(std::span<const float> logits) {
  float best = kNegInf;
  size_t best_index = 0;
  // Only a block whose maximum beats everything before it is searched for that maximum's first
  // position, so ties keep the lowest index.
  for (size_t start = 0; start < logits.size(); start += kBlock) {
    const size_t len = std::min(kBlock, logits.size() - start);
    const float block_max = BlockMax(logits.data() + start, len);
    if (block_max > best) {
      best = block_max;
      size_t i = start;
      while (logits[i] != block_max) ++i;
      best_index = i;
    }
  }
  return static_cast<int32_t>(best_index);
}

void SelectTopK(std::span<const float> logits, int k, std::vector<Candidate>* out) {
  out->clear();
  if (k <= 0 || logits.empty()) return;
  const size_t kk = static_cast<size_t>(k);
  const size_t cap = std::min(std::max<size_t>(4 * kk, 256), logits.size());
  out->reserve(cap);
  // Pass 1 (vectorised): the maximum of every block. At least k elements are >= the k-th largest
  // block maximum, so every one of the k best is too: start the threshold just below it.
  const size_t num_blocks = (logits.size() + kBlock - 1) / kBlock;
  std::vector<float> block_max(num_blocks);
  for (size_t b = 0; b < num_blocks; ++b) {
    const size_t start = b * kBlock;
    block_max[b] = BlockMax(logits.data() + start, std::min(kBlock, logits.size() - start));
  }
  float threshold = kNegInf;
  if (kk <= num_blocks) {
    std::vector<float> order = block_max;
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kk - 1),
                     order.end(), std::greater<float>());
    const float floor = order[kk - 1];
    if (std::isfinite(floor)) threshold = std::nextafter(floor, kNegInf);
  }
  // Pass 2: scan only blocks that can contribute. Anything not above the k-th best seen so far
  // can never enter: equal logits that come later have higher ids and lose the tie. The strict
  // comparison also drops NaN and -inf.
  for (size_t b = 0; b < num_blocks; ++b) {
    if (!(block_max[b] > threshold)) continue;
    const size_t end = std::min((b + 1) * kBlock, logits.size());
    for (size_t i = b * kBlock; i < end; ++i) {
      const float x = logits[i];
      if (!(x > threshold)) continue;
      out->push_back({x, static_cast<int32_t>(i)});
      if (out->size() == cap && cap > kk) {
        CompactToK(out, kk);
        threshold = (*out)[kk - 1].logit;  // nth_element put the k-th best there
      }
    }
  }
  CompactToK(out, kk);
  std::sort(out->begin(), out->end(), Precedes);
}

SamplerImpl::SamplerImpl(const SamplerOptions& options)
    : options_(options),
      greedy_(options.temperature == 0.0f || options.top_k == 1),
      inv_temperature_(greedy_ ? 0.0f : 1.0f / options.temperature),
      rng_(options.seed) {
  if (!std::isfinite(inv_temperature_)) greedy_ = true;  // denormal temperature: argmax
}

TokenId SamplerImpl::Sample(std::span<const float> logits) {
  if (logits.empty()) return -1;
  if (greedy_) return ArgMax(logits);
  const int k = options_.top_k;
  if (k > 0 && static_cast<size_t>(k) < logits.size()) return SampleTopK(logits, k);
  return SampleFullVocabulary(logits);
}

TokenId SamplerImpl::SampleTopK(std::span<const float> logits, int k) {
  SelectTopK(logits, k, &candidates_);
  if (candidates_.empty() || !std::isfinite(candidates_[0].logit)) return ArgMax(logits);
  const double total = CandidateWeights();
  const size_t count = options_.top_p < 1.0f ? NucleusSize(total) : candidates_.size();
  return DrawCandidate(count);
}

TokenId SamplerImpl::SampleFullVocabulary(std::span<const float> logits) {
  const int32_t best = ArgMax(logits);
  const float max_logit = logits[static_cast<size_t>(best)];
  if (!std::isfinite(max_logit)) return best;
  if (options_.top_p >= 1.0f) {
    // Plain temperature sampling: weights in id order, no sorting needed.
    probs_.resize(logits.size());
    double total = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      const double w = logits[i] > kNegInf ? Weight(logits[i], max_logit, inv_temperature_) : 0.0;
      probs_[i] = w;  // NaN logits: the comparison is false → weight 0
      total += w;
    }
    const double u = rng_.NextDouble() * total;
    double acc = 0;
    size_t last_positive = static_cast<size_t>(best);
    for (size_t i = 0; i < logits.size(); ++i) {
      if (probs_[i] <= 0) continue;
      acc += probs_[i];
      last_positive = i;
      if (u < acc) return static_cast<TokenId>(i);
    }
    return static_cast<TokenId>(last_positive);
  }
  // Nucleus without top-k. Peaked distributions (the usual case) have a small nucleus: try the
  // 64 best first. Otherwise select the nucleus by mass in expected O(n).
  double total = 0;
  for (float l : logits) {
    if (l > kNegInf) total += Weight(l, max_logit, inv_temperature_);
  }
  const double target = static_cast<double>(options_.top_p) * total;
  SelectTopK(logits, 64, &candidates_);
  if (CandidateWeights() >= target) return DrawCandidate(NucleusSize(total));
  pool_.clear();
  for (size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] > kNegInf) {
      pool_.push_back({logits[i], static_cast<int32_t>(i),
                       Weight(logits[i], max_logit, inv_temperature_)});
    }
  }
  return DrawFromPool(NucleusBoundary(target));
}

size_t SamplerImpl::NucleusBoundary(double target) {
  const auto precedes = [](const WeightedCandidate& a, const WeightedCandidate& b) {
    return Precedes({a.logit, a.id}, {b.logit, b.id});
  };
  size_t lo = 0, hi = pool_.size();  // the boundary lies in (lo, hi]
  double mass_before_lo = 0;         // mass of pool_[0, lo), all of which precede pool_[lo, ...)
  while (hi - lo > 64) {
    const size_t mid = lo + (hi - lo) / 2;
    std::nth_element(pool_.begin() + static_cast<std::ptrdiff_t>(lo),
                     pool_.begin() + static_cast<std::ptrdiff_t>(mid),
                     pool_.begin() + static_cast<std::ptrdiff_t>(hi), precedes);
    double upper = 0;
    for (size_t i = lo; i <= mid; ++i) upper += pool_[i].weight;
    if (mass_before_lo + upper >= target) {
      hi = mid + 1;
    } else {
      mass_before_lo += upper;
      lo = mid + 1;
    }
  }
  std::sort(pool_.begin() + static_cast<std::ptrdiff_t>(lo),
            pool_.begin() + static_cast<std::ptrdiff_t>(hi), precedes);
  double acc = mass_before_lo;
  for (size_t i = lo; i < hi; ++i) {
    acc += pool_[i].weight;
    if (acc >= target) return i + 1;
  }
  return hi;
}

TokenId SamplerImpl::DrawFromPool(size_t count) {
  double mass = 0;
  for (size_t i = 0; i < count; ++i) mass += pool_[i].weight;
  const double u = rng_.NextDouble() * mass;
  double acc = 0;
  for (size_t i = 0; i < count; ++i) {
    acc += pool_[i].weight;
    if (u < acc) return pool_[i].id;
  }
  for (size_t i = count; i-- > 0;) {
    if (pool_[i].weight > 0) return pool_[i].id;
  }
  return pool_[0].id;
}

double SamplerImpl::CandidateWeights() {
  probs_.resize(candidates_.size());
  const float max_logit = candidates_[0].logit;
  double total = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    probs_[i] = Weight(candidates_[i].logit, max_logit, inv_temperature_);
    total += probs_[i];
  }
  return total;
}

size_t SamplerImpl::NucleusSize(double total) const {
  const double target = static_cast<double>(options_.top_p) * total;
  double acc = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    acc += probs_[i];
    if (acc >= target) return i + 1;
  }
  return candidates_.size();
}

TokenId SamplerImpl::DrawCandidate(size_t count) {
  double mass = 0;
  for (size_t i = 0; i < count; ++i) mass += probs_[i];
  const double u = rng_.NextDouble() * mass;
  double acc = 0;
  for (size_t i = 0; i < count; ++i) {
    acc += probs_[i];
    if (u < acc) return candidates_[i].id;
  }
  // u rounded up to `mass`: the last candidate with a non-zero weight.
  for (size_t i = count; i-- > 0;) {
    if (probs_[i] > 0) return candidates_[i].id;
  }
  return candidates_[0].id;
}

}  // namespace litertlm
