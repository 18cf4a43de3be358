// The sampler behind include/litertlm/sampler.h, plus the selection steps it is built from
// (exposed for tests and benchmarks). See sampler.h for the semantics.
#ifndef LITERTLM_SAMPLING_SAMPLER_IMPL_H_
#define LITERTLM_SAMPLING_SAMPLER_IMPL_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "litertlm/sampler.h"
#include "litertlm/status.h"
#include "sampling/rng.h"

namespace litertlm {

struct Candidate {
  float logit;
  int32_t id;
};

// The sampling order: higher logit first, then lower id.
inline bool Precedes(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// INVALID_ARGUMENT naming the field of the first bad option; OK otherwise.
Status ValidateSamplerOptions(const SamplerOptions& options);

// Index of the largest logit, the lowest index among equal maxima; NaNs are ignored. 0 when no
// logit is greater than -inf. `logits` must not be empty.
int32_t ArgMax(std::span<const float> logits);

// The k candidates that come first in Precedes order (NaN and -inf logits excluded), sorted in
// that order, into `out` (fewer than k when there are fewer such logits). O(n + k log k) for
// typical logits: one scan against a rising threshold with occasional nth_element compaction.
void SelectTopK(std::span<const float> logits, int k, std::vector<Candidate>* out);

class SamplerImpl final : public Sampler {
 public:
  explicit SamplerImpl(const SamplerOptions& options);

  TokenId Sample(std::span<const float> logits) override;
  void Reseed(uint64_t seed) override { rng_.Seed(seed); }
  const SamplerOptions& options() const override { return options_; }
  bool is_greedy() const override { return greedy_; }

 private:
  // top_k active: sample among the k best.
  TokenId SampleTopK(std::span<const float> logits, int k);
  // No top-k: temperature over the whole vocabulary, optionally with top-p.
  TokenId SampleFullVocabulary(std::span<const float> logits);
  // Fills probs_ with exp((logit - max) / T) for sorted candidates_; returns their sum.
  double CandidateWeights();
  // Number of leading candidates (sorted) whose weight sum reaches top_p * total (at least 1).
  size_t NucleusSize(double total) const;
  // Draws among the first `count` candidates in proportion to probs_.
  TokenId DrawCandidate(size_t count);
  // Reorders pool_ so its first N entries are the nucleus — the smallest prefix in Precedes order
  // whose weight reaches `target` — and returns N. Expected O(n): nth_element halving on mass.
  size_t NucleusBoundary(double target);
  // Draws among pool_[0, count) in proportion to their weights.
  TokenId DrawFromPool(size_t count);

  struct WeightedCandidate {
    float logit;
    int32_t id;
    double weight;
  };

  SamplerOptions options_;
  bool greedy_;
  float inv_temperature_;
  Xoshiro256StarStar rng_;
  std::vector<Candidate> candidates_;  // scratch, reused across calls
  std::vector<double> probs_;          // scratch: unnormalised weights of candidates_
  std::vector<WeightedCandidate> pool_;  // scratch: whole-vocabulary nucleus selection
};

}  // namespace litertlm

#endif  // LITERTLM_SAMPLING_SAMPLER_IMPL_H_
