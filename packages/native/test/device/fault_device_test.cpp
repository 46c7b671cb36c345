// FaultDevice over a scripted fake device: exact outcomes for a seed, in both directions.
#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "fault_harness.hpp"

using sluice::Instant;
using sluice::device::Frame;
using sluice::test::FaultHarness;
using Ids = std::vector<std::uint32_t>;

namespace {

Ids iota(std::uint32_t n) {
  Ids ids(n);
  for (std::uint32_t i = 0; i < n; ++i) ids[i] = i;
  return ids;
}

/// Receives 20 frames, then lets the hold time pass so held frames come out too.
Ids receive_twenty(FaultHarness& h) {
  Ids ids = h.receive(0, 20);
  h.now = h.now + sluice::Duration::millis(10);
  const Ids tail = h.receive_pending();
  ids.insert(ids.end(), tail.begin(), tail.end());
  return ids;
}

Ids transmit_twenty(FaultHarness& h) {
  h.transmit(0, 20);
  h.now = h.now + sluice::Duration::millis(10);
  h.device->flush();
  return h.probe.transmitted_ids();
}

void expect_pool_full(const FaultHarness& h) {
  EXPECT_EQ(h.device->pool_available(), h.device->pool_capacity());
}

}  // namespace

TEST(FaultDevice, WithoutFaultsEverythingPassesAndTheClockIsNeverRead) {
  FaultHarness h("seed=9");
  EXPECT_EQ(receive_twenty(h), iota(20));
  EXPECT_EQ(transmit_twenty(h), iota(20));
  EXPECT_EQ(h.clock_reads, 0);
  EXPECT_EQ(h.device->info().backend, "fake");
  EXPECT_EQ(h.device->counters().rx_packets, 20u);
  expect_pool_full(h);
}

TEST(FaultDevice, DropIsExactForASeedInBothDirections) {
  FaultHarness h("drop=0.3,seed=42");
  EXPECT_EQ(receive_twenty(h), (Ids{0, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(transmit_twenty(h), (Ids{2, 3, 4, 5, 6, 10, 11, 12, 15, 16, 17, 18}));
  EXPECT_EQ(h.device->receive_faults().frames, 20u);
  EXPECT_EQ(h.device->receive_faults().dropped, 2u);
  EXPECT_EQ(h.device->transmit_faults().dropped, 8u);
  EXPECT_EQ(h.clock_reads, 0) << "nothing held, no clock needed";
  expect_pool_full(h);
}

TEST(FaultDevice, DuplicateIsExactForASeedInBothDirections) {
  FaultHarness h("dup=0.3,seed=42");
  std::vector<std::vector<std::uint8_t>> bytes;
  Ids rx = h.receive(0, 20, 8, &bytes);
  EXPECT_EQ(rx, (Ids{0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(bytes[1], bytes[2]);
  EXPECT_EQ(bytes[6], bytes[7]);
  EXPECT_EQ(transmit_twenty(h),
            (Ids{0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 9, 9, 10, 11, 12, 13, 13, 14, 14, 15, 16, 17, 18, 19, 19}));
  EXPECT_EQ(h.device->receive_faults().duplicated, 2u);
  EXPECT_EQ(h.device->transmit_faults().duplicated, 8u);
  expect_pool_full(h);
}

TEST(FaultDevice, ReorderHoldsAFrameBehindTheNextOneOrTheNextK) {
  FaultHarness gap1("reorder=0.3,seed=42");
  EXPECT_EQ(receive_twenty(gap1), (Ids{0, 2, 1, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(transmit_twenty(gap1), (Ids{2, 0, 1, 3, 4, 5, 6, 10, 7, 8, 9, 11, 12, 15, 13, 14, 16, 17, 18, 19}));
  EXPECT_EQ(gap1.device->receive_faults().reordered, 2u);
  EXPECT_EQ(gap1.device->transmit_faults().reordered, 8u);
  EXPECT_EQ(gap1.device->transmit_faults().hold_timeouts, 1u) << "frame 19 had no later frame to overtake it";
  expect_pool_full(gap1);

  FaultHarness gap3("reorder=0.3,reorder_gap=3,seed=42");
  EXPECT_EQ(receive_twenty(gap3), (Ids{0, 2, 3, 4, 1, 6, 7, 8, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(transmit_twenty(gap3), (Ids{2, 3, 4, 0, 1, 5, 6, 10, 11, 12, 7, 8, 9, 15, 16, 17, 13, 14, 18, 19}));
  expect_pool_full(gap3);
}

TEST(FaultDevice, CorruptFlipsOneBitPastTheHeaderOfExactlyTheChosenFrames) {
  FaultHarness h("corrupt=0.3,seed=42");
  std::vector<std::vector<std::uint8_t>> bytes;
  h.receive(0, 20, 8, &bytes);
  ASSERT_EQ(bytes.size(), 20u);
  Ids corrupted;
  for (std::uint32_t id = 0; id < 20; ++id) {
    std::vector<std::uint8_t> expected(64);
    Frame f{expected.data(), 0, 64, 0};
    sluice::test::fill_frame(f, sluice::test::mac(1), sluice::test::mac(2), id, 64);
    int bits = 0;
    for (std::size_t k = 0; k < 64; ++k) {
      bits += std::popcount(static_cast<unsigned>(bytes[id][k] ^ expected[k]));
      if (k < 14) {
        ASSERT_EQ(bytes[id][k], expected[k]);
      }
    }
    ASSERT_LE(bits, 1);
    if (bits == 1) corrupted.push_back(id);
  }
  EXPECT_EQ(corrupted, (Ids{1, 4, 19}));
  EXPECT_EQ(h.device->receive_faults().corrupted, 3u);
  // On transmit the first frame's id field itself was hit: bit 1 of its first byte.
  EXPECT_EQ(transmit_twenty(h), (Ids{0x02000000, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  expect_pool_full(h);
}

TEST(FaultDevice, AllFaultsAtOnceAreExactForASeed) {
  FaultHarness h("drop=0.2,dup=0.2,reorder=0.2,corrupt=0.2,seed=42");
  EXPECT_EQ(receive_twenty(h), (Ids{0, 2, 3, 4, 6, 5, 8, 8, 9, 9, 10, 11, 15, 15, 12, 14, 16, 16, 17, 18}));
  EXPECT_EQ(transmit_twenty(h), (Ids{2, 3, 3, 4, 5, 7, 7, 9, 8, 10, 11, 13, 14, 14, 18, 19}));
  const auto& rx = h.device->receive_faults();
  EXPECT_EQ(rx.frames, 20u);
  EXPECT_EQ(rx.dropped, 4u);
  EXPECT_EQ(rx.duplicated, 4u);
  EXPECT_EQ(rx.reordered, 3u);
  EXPECT_EQ(rx.corrupted, 5u);
  expect_pool_full(h);
}

TEST(FaultDevice, ReceiveOutcomeDoesNotDependOnTransmitTraffic) {
  FaultHarness alone("drop=0.2,dup=0.2,reorder=0.2,seed=5");
  const Ids expected = alone.receive(0, 40);
  FaultHarness mixed("drop=0.2,dup=0.2,reorder=0.2,seed=5");
  Ids got;
  for (std::uint32_t i = 0; i < 40; i += 4) {
    mixed.transmit(1000 + i, 3);
    const Ids part = mixed.receive(i, 4);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, expected);
}

TEST(FaultDevice, DirectionKeyLimitsFaultsToOneSide) {
  FaultHarness rx_only("drop=1,dir=rx");
  EXPECT_EQ(rx_only.receive(0, 5), Ids{});
  EXPECT_EQ(transmit_twenty(rx_only), iota(20));
  FaultHarness tx_only("drop=1,dir=tx");
  EXPECT_EQ(tx_only.receive(0, 5), iota(5));
  EXPECT_EQ(transmit_twenty(tx_only), Ids{});
  expect_pool_full(tx_only);
}

TEST(FaultDevice, HeldFramesLeaveAfterTheHoldTimeByTheInjectedClock) {
  FaultHarness h("reorder=1,reorder_hold_ms=5,reorder_gap=64");
  EXPECT_EQ(h.receive(0, 2), Ids{});
  h.now = Instant::from_micros(4999);
  EXPECT_EQ(h.receive_pending(), Ids{});
  h.now = Instant::from_millis(5);
  EXPECT_EQ(h.receive_pending(), (Ids{0, 1}));
  EXPECT_EQ(h.device->receive_faults().hold_timeouts, 2u);

  h.transmit(10, 2);
  EXPECT_EQ(h.probe.transmitted_ids(), Ids{});
  h.now = Instant::from_millis(9);
  h.device->flush();
  EXPECT_EQ(h.probe.transmitted_ids(), Ids{});
  h.now = Instant::from_millis(10);
  const std::size_t flushes = h.probe.flushes;
  EXPECT_EQ(h.receive_pending(), Ids{}) << "receive() also times out held transmit frames";
  EXPECT_EQ(h.probe.transmitted_ids(), (Ids{10, 11}));
  EXPECT_EQ(h.probe.flushes, flushes + 1) << "and kicks the inner device once";
  expect_pool_full(h);
}

TEST(FaultDevice, AFullHoldingAreaPassesFramesInOrder) {
  FaultHarness h("reorder=1,reorder_gap=64");
  EXPECT_EQ(h.receive(0, 12), (Ids{8, 9, 10, 11}));
  EXPECT_EQ(h.device->receive_faults().reordered, 8u);
  EXPECT_EQ(h.device->receive_faults().hold_full, 4u);
}

TEST(FaultDevice, AFullInnerRingKeepsDecidedFramesAndRefusesNewOnesUntilItDrains) {
  FaultHarness h("dup=1");
  h.fake->tx_room = 3;
  std::vector<Frame> frames(4);
  ASSERT_EQ(h.device->allocate(frames), 4u);
  for (std::uint32_t i = 0; i < 4; ++i) sluice::test::fill_frame(frames[i], sluice::test::mac(2), sluice::test::mac(1), i, 64);
  EXPECT_EQ(h.device->transmit(frames), 4u) << "decided frames are the decorator's, even if the ring is full";
  EXPECT_EQ(h.probe.transmitted_ids(), (Ids{0, 0, 1}));

  Frame next;
  ASSERT_EQ(h.device->allocate({&next, 1}), 1u);
  sluice::test::fill_frame(next, sluice::test::mac(2), sluice::test::mac(1), 4, 64);
  EXPECT_EQ(h.device->transmit({&next, 1}), 0u) << "backlog still stuck: the caller keeps its frame";
  h.fake->tx_room = 100;
  h.device->flush();
  EXPECT_EQ(h.probe.transmitted_ids(), (Ids{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(h.device->transmit({&next, 1}), 1u);
  EXPECT_EQ(h.probe.transmitted_ids(), (Ids{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  expect_pool_full(h);
}

TEST(FaultDevice, DuplicateWithAnEmptyInnerPoolIsCountedNotLeaked) {
  FaultHarness h("dup=1", 4);
  EXPECT_EQ(h.receive(0, 4), (Ids{0, 1, 2, 3}));
  EXPECT_EQ(h.device->receive_faults().duplicate_failed, 4u);
  EXPECT_EQ(h.device->receive_faults().duplicated, 0u);
  expect_pool_full(h);
}

TEST(FaultDevice, DestructionReturnsEveryHeldFrameToTheInnerPool) {
  FaultHarness held("reorder=1,reorder_gap=64");
  EXPECT_EQ(held.receive(0, 3), Ids{});
  held.transmit(10, 3);
  EXPECT_EQ(held.device->pool_available(), held.device->pool_capacity() - 6);
  held.device.reset();
  EXPECT_EQ(held.probe.available_at_destruction, held.probe.capacity);

  FaultHarness decided("dup=1");
  decided.fake->inject(0);
  Frame one;
  ASSERT_EQ(decided.device->receive({&one, 1}), 1u);  // its duplicate waits inside for the next call
  decided.device->release({&one, 1});
  decided.fake->tx_room = 1;
  decided.transmit(10, 2);  // four decided frames, one accepted, three waiting for ring space
  EXPECT_EQ(decided.device->pool_available(), decided.device->pool_capacity() - 4);
  decided.device.reset();
  EXPECT_EQ(decided.probe.available_at_destruction, decided.probe.capacity);
}
