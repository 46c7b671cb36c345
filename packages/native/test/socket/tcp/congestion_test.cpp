#include <gtest/gtest.h>

#include <cmath>

#include "socket/tcp/congestion/any_congestion_control.hpp"

using namespace sluice;
using namespace sluice::socket::tcp;

namespace {
constexpr std::uint32_t mss = 1000;

AckEvent ack_of(std::uint32_t bytes, Instant now = {}, Duration srtt = Duration::millis(10)) {
  return {.now = now, .acked_bytes = bytes, .cwnd_limited = true, .srtt = srtt};
}
}  // namespace

TEST(NewReno, SlowStartThenOneSegmentPerWindowInAvoidance) {
  NewReno reno;
  reno.start(mss, 10 * mss);
  reno.on_ack(ack_of(1000));
  EXPECT_EQ(reno.cwnd(), 11'000u);
  reno.on_ack(ack_of(5000));
  EXPECT_EQ(reno.cwnd(), 12'000u) << "slow start grows by at most one SMSS per ACK";
  reno.on_ack({.acked_bytes = 1000, .cwnd_limited = false});
  EXPECT_EQ(reno.cwnd(), 12'000u) << "no growth while the application limits sending";

  reno.on_loss({}, 12'000);
  EXPECT_EQ(reno.ssthresh(), 6'000u);
  EXPECT_EQ(reno.cwnd(), 6'000u);
  for (int i = 0; i < 5; ++i) reno.on_ack(ack_of(1000));
  EXPECT_EQ(reno.cwnd(), 6'000u) << "5000 bytes acknowledged: less than a window";
  reno.on_ack(ack_of(1000));
  EXPECT_EQ(reno.cwnd(), 7'000u) << "a window's worth of bytes: one segment more";
}

TEST(NewReno, TimeoutDropsToOneSegmentAndHalvesFromTheFlight) {
  NewReno reno;
  reno.start(mss, 10 * mss);
  reno.on_timeout({}, 3'000);
  EXPECT_EQ(reno.cwnd(), 1'000u);
  EXPECT_EQ(reno.ssthresh(), 2'000u) << "never below two segments";
  reno.on_ack(ack_of(1000));
  EXPECT_EQ(reno.cwnd(), 2'000u);
  EXPECT_FALSE(reno.in_slow_start());
}

TEST(Cubic, LossSetsWmaxAndKAndTheWindowReturnsToWmaxAfterK) {
  Cubic cubic;
  cubic.start(mss, 100 * mss);
  cubic.on_loss({}, 100 * mss);
  EXPECT_EQ(cubic.cwnd(), 70'000u) << "beta 0.7";
  EXPECT_EQ(cubic.ssthresh(), 70'000u);
  // First ACK in avoidance opens the epoch: K = cbrt((100 - 70) / 0.4) = cbrt(75).
  const Instant t0 = Instant::from_millis(1000);
  cubic.on_ack(ack_of(1000, t0, Duration::millis(0)));
  EXPECT_DOUBLE_EQ(cubic.w_max_segments(), 100.0);
  EXPECT_NEAR(cubic.k_seconds(), std::cbrt(75.0), 1e-12);
  EXPECT_NEAR(cubic.window_at(cubic.k_seconds()), 100.0, 1e-9);
  EXPECT_NEAR(cubic.window_at(0), 70.0, 1e-9);

  // A full window acknowledged every 100 ms RTT: the Reno-friendly estimate grows 0.53 segments
  // per RTT, too slowly to matter, so the cubic curve decides and crosses W_max near K - RTT.
  Instant now = t0;
  for (int i = 0; i < 200 && cubic.cwnd() <= 100'000; ++i) {
    now = now + Duration::millis(100);
    cubic.on_ack(ack_of(cubic.cwnd(), now, Duration::millis(100)));
  }
  EXPECT_GT(cubic.cwnd(), 100'000u);
  EXPECT_GE(now - t0, Duration::millis(3900)) << "K = 4.22 s, aiming one RTT ahead";
  EXPECT_LE(now - t0, Duration::millis(4300));
}

TEST(Cubic, FastConvergenceLowersWmaxWhenLossComesEarlier) {
  Cubic cubic;
  cubic.start(mss, 100 * mss);
  cubic.on_loss({}, 100 * mss);  // W_max = 100, cwnd 70
  cubic.on_loss({}, 70 * mss);   // lost again below the last maximum: W_max = 70 * 1.7 / 2 = 59.5
  cubic.on_ack(ack_of(1000, Instant::from_millis(5), Duration::millis(1)));
  EXPECT_NEAR(cubic.w_max_segments(), 59.5, 1e-9);
  EXPECT_EQ(cubic.ssthresh(), 49'000u);
}

TEST(Cubic, TimeoutRestartsFromOneSegment) {
  Cubic cubic;
  cubic.start(mss, 10 * mss);
  cubic.on_timeout({}, 10 * mss);
  EXPECT_EQ(cubic.cwnd(), 1'000u);
  EXPECT_EQ(cubic.ssthresh(), 7'000u);
  EXPECT_TRUE(cubic.in_slow_start());
}

TEST(AnyCongestionControl, HoldsEitherAlgorithmInPlace) {
  AnyCongestionControl any;
  any.select(CongestionAlgorithm::newreno);
  EXPECT_EQ(any.get().algorithm(), CongestionAlgorithm::newreno);
  any.get().start(mss, 4 * mss);
  any.select(CongestionAlgorithm::cubic);
  EXPECT_EQ(any.get().algorithm(), CongestionAlgorithm::cubic);
  EXPECT_STREQ(congestion_algorithm_name(CongestionAlgorithm::cubic), "cubic");
}

TEST(Cubic, RenoFriendlyEstimateWinsAtShortRtt) {
  Cubic cubic;
  cubic.start(mss, 100 * mss);
  cubic.on_loss({}, 100 * mss);
  // At a 10 ms RTT, Reno at alpha = 3 * 0.3 / 1.7 segments per RTT regains 30 segments in ~0.57 s,
  // long before the cubic curve (K = 4.2 s) would.
  Instant now = Instant::from_millis(1000);
  const Instant t0 = now;
  cubic.on_ack(ack_of(1000, now, Duration::millis(10)));
  for (int i = 0; i < 1000 && cubic.cwnd() <= 100'000; ++i) {
    now = now + Duration::millis(10);
    cubic.on_ack(ack_of(cubic.cwnd(), now, Duration::millis(10)));
  }
  EXPECT_GE(now - t0, Duration::millis(540));
  EXPECT_LE(now - t0, Duration::millis(600));
}
