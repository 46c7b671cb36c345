#include <gtest/gtest.h>

#include "socket/tcp/rtt_estimator.hpp"

using namespace sluice;
using namespace sluice::socket::tcp;

TEST(RttEstimator, StartsAtTheInitialRtoAndFollowsRfc6298) {
  RttEstimator rtt({.initial_rto = Duration::seconds(1), .min_rto = Duration::millis(200),
                    .max_rto = Duration::seconds(60), .granularity = Duration::millis(1)});
  EXPECT_EQ(rtt.timeout(), Duration::seconds(1));
  EXPECT_FALSE(rtt.has_sample());

  rtt.sample(Duration::millis(100));  // SRTT = 100, RTTVAR = 50, RTO = 100 + 200 = 300 ms
  EXPECT_EQ(rtt.srtt(), Duration::millis(100));
  EXPECT_EQ(rtt.rttvar(), Duration::millis(50));
  EXPECT_EQ(rtt.timeout(), Duration::millis(300));

  rtt.sample(Duration::millis(180));  // RTTVAR = 3/4 * 50 + 1/4 * 80 = 57.5; SRTT = 110; RTO = 340
  EXPECT_EQ(rtt.rttvar(), Duration::micros(57'500));
  EXPECT_EQ(rtt.srtt(), Duration::millis(110));
  EXPECT_EQ(rtt.timeout(), Duration::millis(340));
  EXPECT_EQ(rtt.min_rtt(), Duration::millis(100));
}

TEST(RttEstimator, ClampsToMinimumAndBacksOffToTheMaximum) {
  RttEstimator rtt({.initial_rto = Duration::seconds(1), .min_rto = Duration::millis(200),
                    .max_rto = Duration::seconds(60), .granularity = Duration::millis(1)});
  rtt.sample(Duration::micros(50));
  EXPECT_EQ(rtt.timeout(), Duration::millis(200)) << "never below min_rto";
  EXPECT_EQ(rtt.back_off(), 1u);
  EXPECT_EQ(rtt.timeout(), Duration::millis(400));
  for (int i = 0; i < 20; ++i) rtt.back_off();
  EXPECT_EQ(rtt.timeout(), Duration::seconds(60)) << "never above max_rto";
  rtt.sample(Duration::micros(50));
  EXPECT_EQ(rtt.backoff(), 0u) << "a new sample ends the backoff";
}

TEST(RttEstimator, SynTimeoutRaisesTheFirstRtoToThreeSeconds) {
  RttEstimator rtt;
  rtt.after_syn_timeout();
  EXPECT_EQ(rtt.base_rto(), Duration::seconds(3));
  RttEstimator sampled;
  sampled.sample(Duration::millis(10));
  sampled.after_syn_timeout();
  EXPECT_EQ(sampled.base_rto(), Duration::millis(200)) << "a measured RTT wins";
}
