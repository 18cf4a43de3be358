// File: litertlm/sampler.h
// Sampler: picks the next token from a row of logits — greedy, or temperature / top-k / top-p
// sampling with a seeded, portable random generator.
//
//   litertlm::SamplerOptions opts;
//   opts.temperature = 0.6f; opts.top_k = 20; opts.top_p = 0.95f; opts.seed = 42;
//   auto sampler = litertlm::Sampler::Create(opts);           // INVALID_ARGUMENT on bad options
//   litertlm::TokenId next = (*sampler)->Sample(session->LastLogits());
//
// Pipeline (in this order): temperature (logits / T) → top-k (keep the k highest logits) →
// softmax over what is left → top-p (keep the smallest set of most likely tokens whose
// probability mass is ≥ p) → renormalise → draw one token.
//   - Greedy: temperature == 0 or top_k == 1 returns the argmax (lowest id among equal maxima)
//     without drawing a random number.
//   - Ties: candidates are ordered by logit, then by lower token id. top-k and top-p keep a prefix of
//     that order, so when equal logits straddle the cut the lower ids are kept.
//   - NaN logits are never sampled; -inf logits have probability 0. If no logit is finite the
//     sampler falls back to the argmax rule.
//   - Determinism: the generator is xoshiro256** seeded through splitmix64 and converted to
//     [0, 1) by our own code (no std:: distributions, whose output differs between standard
//     libraries), so the same options, seed and logits give the same tokens on every platform.
//
// Thread-safety: a Sampler carries random state and scratch buffers; use one per thread/session.
#ifndef LITERTLM_SAMPLER_H_
#define LITERTLM_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "litertlm/export.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm {

struct SamplerOptions {
  // Keep only the k most likely tokens. 0 = no limit; 1 = greedy. Must be >= 0.
  int top_k = 0;
  // Nucleus sampling: keep the smallest set of most likely tokens whose mass is >= top_p.
  // 1 = off. Must be in (0, 1].
  float top_p = 1.0f;
  // Logits are divided by this before the softmax; < 1 sharpens, > 1 flattens. 0 = greedy.
  // Must be finite and >= 0.
  float temperature = 1.0f;
  // Seed of the random generator. Every value (0 included) is a valid, reproducible seed.
  uint64_t seed = 0;
};

// Sampler defaults of a model family, by `architecture` (config.json "architectures"[0]), as
// recorded in the project's seed documents (the LiteRT-LM metadata of the litert-community
// conversions): Qwen3ForCausalLM → temperature 0.6, top_k 20, top_p 0.95; Gemma3ForCausalLM /
// Gemma3ForConditionalGeneration → temperature 1.0, top_k 1 (greedy), top_p 0.95;
// LlamaForCausalLM → temperature 0.6, top_k 50, top_p 0.9 (Llama-3.2-Instruct's
// generation_config, with transformers' default top_k). nullopt for other architectures. The
// model's own metadata, when present, takes precedence over these.
LITERTLM_API std::optional<SamplerOptions> DefaultSamplerOptions(std::string_view architecture);

class LITERTLM_API Sampler {
 public:
  // Validates `options`: INVALID_ARGUMENT naming the field (e.g. "SamplerOptions.top_p must be in
  // (0, 1], got 0") for a negative or non-finite temperature, top_p outside (0, 1] or NaN, or a
  // negative top_k.
  static StatusOr<std::unique_ptr<Sampler>> Create(const SamplerOptions& options);
  virtual ~Sampler();

  // The next token id: an index into `logits` (one value per vocabulary id). Returns -1 only when
  // `logits` is empty. Advances the random state unless the sampler is greedy.
  virtual TokenId Sample(std::span<const float> logits) = 0;

  // Restarts the random sequence as if created with `seed`.
  virtual void Reseed(uint64_t seed) = 0;

  virtual const SamplerOptions& options() const = 0;
  // True when Sample() is a plain argmax (temperature 0 or top_k 1).
  virtual bool is_greedy() const = 0;

 protected:
  Sampler() = default;
};

}  // namespace litertlm

#endif  // LITERTLM_SAMPLER_H_
