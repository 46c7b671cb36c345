#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "device/sim/random.hpp"

using sluice::device::sim::derive_seed;
using sluice::device::sim::Random;
using sluice::device::sim::splitmix64;

TEST(SimRandom, SplitMix64MatchesTheReferenceSequence) {
  std::uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafu);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4u);
  EXPECT_EQ(splitmix64(state), 0x06c45d188009454fu);
}

TEST(SimRandom, Xoshiro256StarStarMatchesTheReferenceSequence) {
  Random r = Random::from_state(1, 2, 3, 4);
  EXPECT_EQ(r.next(), 11520u);
  EXPECT_EQ(r.next(), 0u);
  EXPECT_EQ(r.next(), 1509978240u);
  EXPECT_EQ(r.next(), 1215971899390074240u);
}

TEST(SimRandom, SameSeedSameStreamDifferentSeedDifferentStream) {
  Random a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
  EXPECT_NE(derive_seed(42, 0), derive_seed(42, 1));
  EXPECT_NE(derive_seed(42, 0), derive_seed(43, 0));
}

TEST(SimRandom, BelowStaysInRangeAndCoversIt) {
  Random r(7);
  std::array<int, 6> seen{};
  for (int i = 0; i < 6000; ++i) {
    const std::uint64_t v = r.below(6);
    ASSERT_LT(v, 6u);
    ++seen[v];
  }
  for (int count : seen) EXPECT_NEAR(count, 1000, 150);  // 5 standard deviations
  EXPECT_EQ(r.below(0), 0u);
  EXPECT_EQ(r.below(1), 0u);
}

TEST(SimRandom, ChanceHitsItsRateAndDisabledRatesDrawNothing) {
  Random r(9);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += r.chance(0.25) ? 1 : 0;
  EXPECT_NEAR(hits, 25000, 5 * 137);  // sd = sqrt(100000 * 0.25 * 0.75) ~ 137

  Random x(5), y(5);
  EXPECT_FALSE(x.chance(0.0));
  EXPECT_TRUE(x.chance(1.0));
  EXPECT_EQ(x.next(), y.next()) << "probabilities 0 and 1 must not consume a draw";
}
