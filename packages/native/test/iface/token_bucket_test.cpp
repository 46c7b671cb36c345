#include <gtest/gtest.h>

#include "iface/token_bucket.hpp"

using sluice::Instant;
using sluice::iface::TokenBucket;

TEST(TokenBucket, StartsFullRefillsAtTheRateAndCapsAtTheBurst) {
  TokenBucket bucket(10, 3);  // a token every 100 ms
  const Instant t0 = Instant::from_millis(5000);
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(Instant::from_millis(5099)));
  EXPECT_TRUE(bucket.try_take(Instant::from_millis(5100)));
  EXPECT_FALSE(bucket.try_take(Instant::from_millis(5100)));
  const Instant later = Instant::from_millis(100'000);
  int granted = 0;
  while (bucket.try_take(later)) ++granted;
  EXPECT_EQ(granted, 3);
}

TEST(TokenBucket, TimeGoingBackwardsGrantsNothingExtra) {
  TokenBucket bucket(1, 1);
  EXPECT_TRUE(bucket.try_take(Instant::from_millis(10'000)));
  EXPECT_FALSE(bucket.try_take(Instant::from_millis(1'000)));
  EXPECT_FALSE(bucket.try_take(Instant::from_millis(10'999)));
  EXPECT_TRUE(bucket.try_take(Instant::from_millis(11'000)));
}
