// No allocation while frames cross a faulty simulated wire in steady state.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "support/allocation_counter.hpp"
#include "device/sim/sim_wire.hpp"
#include "sim_test_helpers.hpp"


using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::device::sim::LinkConfig;
using sluice::device::sim::SimWire;
using sluice::test::AllocationCounter;
using sluice::test::mac;

TEST(SimAllocation, TheCounterSeesAnAllocation) {
  AllocationCounter::start();
  int* volatile p = new int(5);  // volatile: the compiler may not elide this allocation
  const std::uint64_t n = AllocationCounter::stop();
  delete p;
  EXPECT_EQ(n, 1u);
}

TEST(SimAllocation, TenThousandFramesThroughAFaultyWireAllocateNothing) {
  SimWire wire;
  auto a = wire.attach({"a", mac(1)});
  auto b = wire.attach({"b", mac(2)});
  LinkConfig c;
  c.drop = 0.05;
  c.duplicate = 0.05;
  c.reorder = 0.05;
  c.corrupt = 0.05;
  c.delay = Duration::micros(20);
  c.jitter = Duration::micros(5);
  c.bits_per_second = 10'000'000'000;
  wire.configure_all_links(c);

  std::uint64_t received = 0;
  Instant now{};
  const auto exchange = [&](std::uint32_t frames) {
    for (std::uint32_t i = 0; i < frames; ++i) {
      now = now + Duration::micros(2);
      wire.advance(now);
      received += sluice::test::drain(*a, [](const Frame&) {});
      received += sluice::test::drain(*b, [](const Frame&) {});
      sluice::test::send_frame(i % 2 == 0 ? *a : *b, i % 2 == 0 ? mac(2) : mac(1), i, 300);
    }
  };
  exchange(200);  // warm up
  AllocationCounter::start();
  exchange(10'000);
  const std::uint64_t allocations = AllocationCounter::stop();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(received, 9'000u);
  EXPECT_GT(wire.total_counters().duplicated, 0u);
}
