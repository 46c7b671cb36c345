// FaultDevice on a SimDevice endpoint, timed by the wire's virtual clock: the whole loop replays
// from its seeds and allocates nothing in steady state.
#include <gtest/gtest.h>

#include <memory>

#include "support/allocation_counter.hpp"
#include "device/fault/fault_device.hpp"
#include "device/sim/sim_wire.hpp"
#include "sim_test_helpers.hpp"

using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::device::fault::FaultDevice;
using sluice::device::fault::parse_fault_spec;
using sluice::device::sim::SimWire;
using sluice::test::mac;

namespace {

struct Outcome {
  std::uint64_t hash = 0;
  std::uint64_t received_by_a = 0;
  std::uint64_t received_by_b = 0;
  std::uint64_t allocations = 0;
  bool pools_full = false;
  sluice::device::fault::FaultCounters rx, tx;
};

Outcome exchange(const char* spec, std::uint32_t frames) {
  SimWire wire;
  auto raw_a = wire.attach({"a", mac(1)});
  auto* sim_a = raw_a.get();
  auto b = wire.attach({"b", mac(2)});
  auto a = std::make_unique<FaultDevice>(std::move(raw_a), parse_fault_spec(spec), [&wire] { return wire.now(); });

  Outcome out;
  sluice::test::SequenceHash hash;
  Instant now{};
  const auto step = [&](std::uint32_t i) {
    now = now + Duration::micros(5);
    wire.advance(now);
    out.received_by_a += sluice::test::drain(*a, [&](const Frame& f) { hash.add(f.bytes()); });
    out.received_by_b += sluice::test::drain(*b, [&](const Frame& f) { hash.add(f.bytes()); });
    if (i >= frames) {
      a->flush();  // quiet: only lets held frames time out
    } else if (i % 2 == 0) {
      sluice::test::send_frame(*a, mac(2), i, 128);
      a->flush();
    } else {
      sluice::test::send_frame(*b, mac(1), i, 128);
    }
  };
  for (std::uint32_t i = 0; i < 100; ++i) step(i);  // warm up
  sluice::test::AllocationCounter::start();
  for (std::uint32_t i = 100; i < frames; ++i) step(i);
  out.allocations = sluice::test::AllocationCounter::stop();
  // 20 quiet milliseconds: held frames time out and everything in flight lands.
  for (int i = 0; i < 4000; ++i) step(frames);
  out.hash = hash.value;
  out.rx = a->receive_faults();
  out.tx = a->transmit_faults();
  out.pools_full = a->pool_available() == a->pool_capacity() && b->pool_available() == b->pool_capacity() &&
                   sim_a->pool_available() == sim_a->pool_capacity();
  return out;
}

}  // namespace

TEST(FaultOnSim, BothDirectionsReplayFromTheSeedAllocateNothingAndLeakNothing) {
  const char* spec = "drop=0.1,dup=0.05,reorder=0.1,corrupt=0.05,seed=99,reorder_gap=2,reorder_hold_ms=1";
  const Outcome first = exchange(spec, 10'000);
  const Outcome second = exchange(spec, 10'000);
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.received_by_a, second.received_by_a);
  EXPECT_EQ(first.allocations, 0u);
  EXPECT_TRUE(first.pools_full);
  // Each side sends 5000 frames, through a's transmit or receive faults: ~10% lost, ~5% of the
  // rest duplicated, so about 0.9 * 1.05 * 5000 arrive (bound: 5 binomial standard deviations).
  EXPECT_NEAR(static_cast<double>(first.received_by_b), 0.945 * 5000, 130);
  EXPECT_NEAR(static_cast<double>(first.received_by_a), 0.945 * 5000, 130);
  // The wire itself is lossless here, so the decorator's counters account for every frame.
  EXPECT_EQ(first.tx.frames, 5000u);
  EXPECT_EQ(first.rx.frames, 5000u);
  EXPECT_EQ(first.received_by_b, first.tx.frames - first.tx.dropped + first.tx.duplicated);
  EXPECT_EQ(first.received_by_a, first.rx.frames - first.rx.dropped + first.rx.duplicated);
  EXPECT_GT(first.rx.reordered, 0u);
  EXPECT_GT(first.tx.corrupted, 0u);

  const Outcome other_seed = exchange("drop=0.1,dup=0.05,reorder=0.1,corrupt=0.05,seed=100,reorder_gap=2", 10'000);
  EXPECT_NE(first.hash, other_seed.hash);
}
