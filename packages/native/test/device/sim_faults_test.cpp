// The wire's seeded fault model: each fault is observed at its rate by the receiver, and a seed
// replays the exact delivery sequence (times and bytes).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <set>
#include <vector>

#include "device/sim/sim_wire.hpp"
#include "sim_test_helpers.hpp"
#include "wire/checksum.hpp"

using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::device::sim::LinkConfig;
using sluice::device::sim::LinkCounters;
using sluice::device::sim::SimEndpointConfig;
using sluice::device::sim::SimWire;
using sluice::device::sim::SimWireConfig;
using sluice::test::mac;

namespace {

constexpr std::uint32_t kFrames = 10'000;
constexpr std::uint32_t kFrameLen = 200;
constexpr Duration kGap = Duration::micros(10);

/// Five standard deviations of a binomial count: a correct model fails this about once in 3.5M.
double binomial_bound(double n, double p) { return 5 * std::sqrt(n * p * (1 - p)); }

/// Test frame `id`, whose payload carries an Internet checksum so any flipped bit is detectable.
std::vector<std::uint8_t> expected_frame(std::uint32_t id) {
  std::vector<std::uint8_t> bytes(kFrameLen);
  Frame f{bytes.data(), 0, kFrameLen, 0};
  sluice::test::fill_frame(f, mac(2), mac(1), id, kFrameLen);
  bytes[18] = bytes[19] = 0;
  sluice::wire::store_be16(bytes.data() + 18, sluice::wire::internet_checksum({bytes.data() + 14, kFrameLen - 14}));
  return bytes;
}

bool checksum_ok(const std::vector<std::uint8_t>& bytes) {
  return sluice::wire::internet_checksum({bytes.data() + 14, bytes.size() - 14}) == 0;
}

struct Arrival {
  Instant at;
  std::vector<std::uint8_t> bytes;
  std::uint32_t id() const { return sluice::wire::load_be32(bytes.data() + 14); }
};

struct WireRun {
  std::vector<Arrival> arrivals;
  std::uint64_t hash = 0;
  LinkCounters link;
  bool pools_full = false;
};

/// Sends kFrames from a to b, one every kGap, and runs the wire until it is empty.
WireRun run(const LinkConfig& link, std::uint64_t seed) {
  SimWireConfig wc;
  wc.seed = seed;
  SimWire wire(wc);
  SimEndpointConfig ac{"a", mac(1)}, bc{"b", mac(2)};
  auto a = wire.attach(ac);
  auto b = wire.attach(bc);
  wire.configure_link(*a, *b, link);

  WireRun result;
  sluice::test::SequenceHash hash;
  const auto collect = [&] {
    sluice::test::drain(*b, [&](const Frame& f) {
      result.arrivals.push_back({wire.now(), {f.data, f.data + f.len}});
      hash.add(wire.now().nanos);
      hash.add(f.bytes());
    });
  };
  for (std::uint32_t id = 0; id < kFrames; ++id) {
    wire.advance(Instant{id * kGap.nanos});
    collect();
    Frame frame;
    EXPECT_EQ(a->allocate({&frame, 1}), 1u);
    const auto bytes = expected_frame(id);
    std::copy(bytes.begin(), bytes.end(), frame.data);
    frame.len = kFrameLen;
    EXPECT_EQ(a->transmit({&frame, 1}), 1u);
  }
  while (!wire.next_delivery().is_never()) {
    wire.advance(wire.next_delivery());
    collect();
  }
  result.hash = hash.value;
  result.link = wire.link_counters(*a, *b);
  result.pools_full = a->pool_available() == a->pool_capacity() && b->pool_available() == b->pool_capacity();
  return result;
}

}  // namespace

TEST(SimFaults, DropTenPercentReplaysExactlyFromTheSeed) {
  LinkConfig lossy;
  lossy.drop = 0.10;
  lossy.delay = Duration::micros(50);
  const WireRun first = run(lossy, 42);
  const WireRun second = run(lossy, 42);
  const WireRun other = run(lossy, 43);

  EXPECT_EQ(first.hash, second.hash);
  EXPECT_NE(first.hash, other.hash);
  EXPECT_EQ(first.link.dropped, second.link.dropped);
  EXPECT_NEAR(static_cast<double>(first.link.dropped), 1000.0, binomial_bound(kFrames, 0.10));
  EXPECT_EQ(first.link.offered, kFrames);
  EXPECT_EQ(first.arrivals.size(), kFrames - first.link.dropped);
  EXPECT_EQ(first.link.delivered, kFrames - first.link.dropped);
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < first.arrivals.size(); ++i) {
    const Arrival& arrival = first.arrivals[i];
    if (i > 0) {
      ASSERT_GT(arrival.id(), previous) << "loss alone never reorders";
    }
    previous = arrival.id();
    ASSERT_EQ(arrival.bytes, expected_frame(arrival.id()));
    ASSERT_EQ(arrival.at, Instant{arrival.id() * kGap.nanos} + Duration::micros(50));
  }
  EXPECT_TRUE(first.pools_full);
}

TEST(SimFaults, DuplicatesArriveRightAfterTheOriginalAtTheirRate) {
  LinkConfig c;
  c.duplicate = 0.05;
  const WireRun first = run(c, 7);
  EXPECT_EQ(first.hash, run(c, 7).hash);
  EXPECT_NEAR(static_cast<double>(first.link.duplicated), 500.0, binomial_bound(kFrames, 0.05));
  ASSERT_EQ(first.arrivals.size(), kFrames + first.link.duplicated);
  std::uint64_t observed = 0;
  for (std::size_t i = 1; i < first.arrivals.size(); ++i) {
    const Arrival& now = first.arrivals[i];
    const Arrival& before = first.arrivals[i - 1];
    if (now.id() == before.id()) {
      ++observed;
      EXPECT_EQ(now.bytes, before.bytes);
      EXPECT_EQ(now.at, before.at);
    } else {
      ASSERT_EQ(now.id(), before.id() + 1);
    }
  }
  EXPECT_EQ(observed, first.link.duplicated);
  EXPECT_TRUE(first.pools_full);
}

TEST(SimFaults, ReorderedFramesAreOvertakenWithinTheWindow) {
  LinkConfig c;
  c.reorder = 0.05;
  c.reorder_window = Duration::millis(1);
  const WireRun first = run(c, 11);
  EXPECT_EQ(first.hash, run(c, 11).hash);
  EXPECT_NEAR(static_cast<double>(first.link.reordered), 500.0, binomial_bound(kFrames, 0.05));
  ASSERT_EQ(first.arrivals.size(), kFrames);
  std::set<std::uint32_t> ids;
  std::uint64_t overtaken = 0;
  std::uint32_t highest = 0;
  for (const Arrival& arrival : first.arrivals) {
    ids.insert(arrival.id());
    if (arrival.id() < highest) ++overtaken;
    highest = std::max(highest, arrival.id());
    const Instant sent{arrival.id() * kGap.nanos};
    EXPECT_LE(arrival.at, sent + Duration::millis(1));
    EXPECT_EQ(arrival.bytes, expected_frame(arrival.id()));
  }
  EXPECT_EQ(ids.size(), kFrames) << "every frame arrives exactly once";
  // A held frame stays behind unless its extra delay is under the 10 us gap (1% of the window).
  EXPECT_LE(overtaken, first.link.reordered);
  EXPECT_GE(overtaken, first.link.reordered * 95 / 100);
  EXPECT_TRUE(first.pools_full);
}

TEST(SimFaults, CorruptionFlipsExactlyOneBitPastTheEthernetHeaderAndTheChecksumCatchesIt) {
  LinkConfig c;
  c.corrupt = 0.05;
  const WireRun first = run(c, 3);
  EXPECT_EQ(first.hash, run(c, 3).hash);
  EXPECT_NEAR(static_cast<double>(first.link.corrupted), 500.0, binomial_bound(kFrames, 0.05));
  ASSERT_EQ(first.arrivals.size(), kFrames);
  std::uint64_t damaged = 0, caught = 0;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    const auto expected = expected_frame(i);
    const auto& got = first.arrivals[i].bytes;  // no reordering: arrival i is frame i
    ASSERT_EQ(got.size(), expected.size());
    int flipped_bits = 0;
    for (std::size_t k = 0; k < got.size(); ++k) {
      flipped_bits += std::popcount(static_cast<unsigned>(got[k] ^ expected[k]));
      if (k < 14) {
        ASSERT_EQ(got[k], expected[k]) << "the Ethernet header is never corrupted";
      }
    }
    ASSERT_LE(flipped_bits, 1);
    damaged += static_cast<std::uint64_t>(flipped_bits);
    caught += checksum_ok(got) ? 0 : 1;
  }
  EXPECT_EQ(damaged, first.link.corrupted);
  EXPECT_EQ(caught, first.link.corrupted);
}

TEST(SimFaults, EveryFaultAtOnceConservesFramesReplaysAndLeaksNothing) {
  LinkConfig c;
  c.drop = 0.2;
  c.duplicate = 0.05;
  c.reorder = 0.05;
  c.corrupt = 0.05;
  c.delay = Duration::micros(100);
  c.jitter = Duration::micros(30);
  c.bits_per_second = 100'000'000;  // 200-byte frames every 10 us = 160 Mbit/s offered
  c.queue_frames = 32;
  const WireRun first = run(c, 2024);
  const WireRun second = run(c, 2024);
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.arrivals.size(), second.arrivals.size());
  const LinkCounters& l = first.link;
  EXPECT_GT(l.queue_drops, 0u);
  EXPECT_GT(l.dropped, 0u);
  EXPECT_EQ(l.in_flight_full, 0u);
  EXPECT_EQ(l.receiver_pool_empty, 0u);
  EXPECT_EQ(l.delivered, l.offered - l.queue_drops - l.dropped + l.duplicated);
  EXPECT_EQ(first.arrivals.size(), l.delivered);
  EXPECT_TRUE(first.pools_full);
}

TEST(SimBandwidth, BurstBeyondTheQueueIsTailDroppedAndTheRestLeavesAtLineRate) {
  SimWire wire;
  SimEndpointConfig ac{"a", mac(1)}, bc{"b", mac(2)};
  ac.pool_frames = bc.pool_frames = 256;
  auto a = wire.attach(ac);
  auto b = wire.attach(bc);
  LinkConfig gigabit;
  gigabit.bits_per_second = 1'000'000'000;
  gigabit.queue_frames = 64;
  wire.configure_link(*a, *b, gigabit);

  for (std::uint32_t i = 0; i < 200; ++i) ASSERT_TRUE(sluice::test::send_frame(*a, mac(2), i, 1500));
  EXPECT_EQ(wire.link_counters(*a, *b).queue_drops, 136u);
  std::vector<std::uint32_t> ids;
  for (std::uint32_t k = 1; k <= 64; ++k) {
    ASSERT_EQ(wire.next_delivery(), Instant{k * 12'000}) << "1500 bytes at 1 Gbit/s take 12 us";
    wire.advance(wire.next_delivery());
    sluice::test::drain(*b, [&](const Frame& f) { ids.push_back(sluice::test::frame_id(f)); });
  }
  ASSERT_EQ(ids.size(), 64u);
  for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(ids[i], i);
  EXPECT_TRUE(wire.next_delivery().is_never());

  // The queue drained by 768 us, so a new burst is admitted in full again.
  for (std::uint32_t i = 0; i < 64; ++i) ASSERT_TRUE(sluice::test::send_frame(*a, mac(2), 1000 + i, 1500));
  EXPECT_EQ(wire.link_counters(*a, *b).queue_drops, 136u);
}

TEST(SimBandwidth, OneGigabitDeliversAtMostAnEighthOfAGigabytePerSimulatedSecond) {
  SimWire wire;
  auto a = wire.attach({"a", mac(1)});
  auto b = wire.attach({"b", mac(2)});
  LinkConfig gigabit;
  gigabit.bits_per_second = 1'000'000'000;
  gigabit.queue_frames = 100;
  wire.configure_link(*a, *b, gigabit);

  // Offer 1.5 Gbit/s: a 1500-byte frame every 8 us for one simulated second.
  std::uint64_t offered = 0;
  for (std::uint64_t t = 0; t < 1'000'000'000; t += 8'000) {
    wire.advance(Instant{t});
    sluice::test::drain(*b, [](const Frame&) {});
    ASSERT_TRUE(sluice::test::send_frame(*a, mac(2), static_cast<std::uint32_t>(offered), 1500));
    ++offered;
  }
  wire.advance(Instant::from_millis(1000));
  const LinkCounters& l = wire.link_counters(*a, *b);
  EXPECT_LE(l.delivered_bytes, 125'000'000u);
  EXPECT_GE(l.delivered_bytes, 125'000'000u - 1500u);  // the link never idled: all but the frame on the wire
  EXPECT_EQ(l.offered, offered);
  EXPECT_EQ(l.offered, l.delivered + l.queue_drops + wire.in_flight());
  EXPECT_LE(wire.in_flight(), 100u);
  EXPECT_NEAR(static_cast<double>(l.queue_drops), offered / 3.0, 101.0);
}
