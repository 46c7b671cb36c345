#pragma once
// A small deterministic PRNG (xoshiro256** seeded through splitmix64). The standard library's
// distributions differ between implementations, so a failing simulation seed would not replay on
// another toolchain; every draw here is plain integer arithmetic and replays bit for bit.
#include <cstdint>

namespace sluice::device::sim {

/// One splitmix64 step: advances `state` and returns a well-mixed 64-bit value. Also used to derive
/// independent seeds (one stream per link or direction) from one user seed.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15u;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/// Mixes a seed with a stream number, so streams from one seed are unrelated to each other.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t state = seed ^ (stream * 0xd1b54a32d192ed03u);
  return splitmix64(state);
}

class Random {
 public:
  explicit constexpr Random(std::uint64_t seed) {
    std::uint64_t state = seed;
    for (auto& word : s_) word = splitmix64(state);
  }

  /// A generator with the given raw state (not all zero); for checking against reference vectors.
  static constexpr Random from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) {
    Random r(0);
    r.s_[0] = s0;
    r.s_[1] = s1;
    r.s_[2] = s2;
    r.s_[3] = s3;
    return r;
  }

  /// The next 64 uniformly distributed bits.
  constexpr std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, bound); 0 when bound is 0. Rejection keeps it unbiased for any bound.
  constexpr std::uint64_t below(std::uint64_t bound) {
    if (bound == 0) return 0;
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

  /// True with probability p. Draws nothing when p <= 0 or p >= 1, so a disabled fault does not
  /// shift the stream of the enabled ones.
  constexpr bool chance(double p) {
    if (!(p > 0.0)) return false;
    if (p >= 1.0) return true;
    return static_cast<double>(next() >> 11) * 0x1.0p-53 < p;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

}  // namespace sluice::device::sim
