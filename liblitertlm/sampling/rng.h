// Portable seeded random numbers for sampling: xoshiro256** (Blackman & Vigna) seeded through
// splitmix64, and our own conversion to a double in [0, 1). Written from the published
// algorithm descriptions; the output sequence is fixed by tests/unit/sampling/rng_test.cc.
// Not thread-safe (one generator per sampler).
#ifndef LITERTLM_SAMPLING_RNG_H_
#define LITERTLM_SAMPLING_RNG_H_

#include <array>
#include <cstdint>

namespace litertlm {

// splitmix64: advances `state` and returns the next output.
inline uint64_t SplitMix64Next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Xoshiro256StarStar {
 public:
  explicit Xoshiro256StarStar(uint64_t seed) { Seed(seed); }

  // The 256-bit state is four consecutive splitmix64 outputs from `seed` (never all zero).
  void Seed(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = SplitMix64Next(sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1): the top 53 bits scaled by 2^-53 (exact in a double).
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

}  // namespace litertlm

#endif  // LITERTLM_SAMPLING_RNG_H_
