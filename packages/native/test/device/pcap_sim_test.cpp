// The decorators stack: pcap over fault over a sim endpoint, on the wire's virtual clock. The
// capture holds exactly what the endpoint received and transmitted, with virtual timestamps,
// and the data path allocates nothing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "support/allocation_counter.hpp"
#include "device/fault/fault_device.hpp"
#include "device/pcap/pcap_device.hpp"
#include "device/sim/sim_wire.hpp"
#include "sim_test_helpers.hpp"

using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::test::mac;

TEST(PcapOnSim, CapturesWhatTheFaultyEndpointSawWithVirtualTimestamps) {
  const std::string path = "/tmp/sluice-pcap-sim-" + std::to_string(::getpid()) + ".pcap";
  struct Remove {
    std::string path;
    ~Remove() { std::remove(path.c_str()); }
  } remove{path};

  sluice::device::sim::SimWire wire;
  auto b = wire.attach({"b", mac(2)});
  sluice::device::pcap::PcapOptions options;
  options.path = path;
  options.snap_length = 128;
  options.buffer_bytes = 64 * 1024;
  options.clock = [&wire] { return wire.now(); };
  auto fault = std::make_unique<sluice::device::fault::FaultDevice>(
      wire.attach({"a", mac(1)}), sluice::device::fault::parse_fault_spec("drop=0.1,dup=0.1,seed=4"),
      [&wire] { return wire.now(); });
  auto* faults = fault.get();
  auto a = std::make_unique<sluice::device::pcap::PcapDevice>(std::move(fault), options);

  std::uint64_t a_received = 0, b_received = 0;
  Instant now{};
  sluice::test::AllocationCounter::start();
  for (std::uint32_t i = 0; i < 4000; ++i) {
    now = now + Duration::micros(3);
    wire.advance(now);
    a_received += sluice::test::drain(*a, [](const Frame&) {});
    b_received += sluice::test::drain(*b, [](const Frame&) {});
    sluice::test::send_frame(i % 2 == 0 ? static_cast<sluice::device::Device&>(*a) : *b, mac(i % 2 == 0 ? 2 : 1), i, 100);
    a->flush();
  }
  const std::uint64_t allocations = sluice::test::AllocationCounter::stop();
  while (!wire.next_delivery().is_never()) wire.advance(wire.next_delivery());
  a_received += sluice::test::drain(*a, [](const Frame&) {});
  b_received += sluice::test::drain(*b, [](const Frame&) {});
  const auto tx = faults->transmit_faults();
  const std::uint64_t a_transmitted = tx.frames;
  EXPECT_EQ(b_received, tx.frames - tx.dropped + tx.duplicated);
  const auto counters = a->capture_counters();
  a.reset();  // writes the capture

  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(a_transmitted, 2000u);
  EXPECT_EQ(counters.records, a_received + a_transmitted) << "pcap sits above the faults: it sees what the stack sees";
  EXPECT_GT(counters.write_calls, 2u);
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> file(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(file.size(), 24 + counters.records * (16 + 100));
  // The first record is a's first transmit, at 3 us of virtual time.
  ASSERT_GT(file.size(), 40u);
  EXPECT_EQ(file[24], 0);                                   // seconds
  EXPECT_EQ(file[28] | file[29] << 8 | file[30] << 16, 3000);  // nanoseconds
}
