// No allocation on the data path: counts calls to the global operator new while 10,000 UDP
// datagrams are received and echoed with udp_reply_in_place.
#include <gtest/gtest.h>

#include <cstring>

#include "iface/frames.hpp"
#include "iface/interface.hpp"
#include "iface/test_frame_io.hpp"
#include "support/allocation_counter.hpp"


using namespace sluice;
using namespace sluice::testing;

TEST(DataPathAllocation, ReceiveAndReplyInPlaceAllocateNothingInSteadyState) {
  TestFrameIo io(64);
  io.record = false;
  iface::InterfaceConfig config;
  config.mac = host_mac;
  config.address = host_ip;
  config.prefix_length = 24;
  iface::Interface interface(config, io);
  const int sock = interface.udp_bind({{}, 7});
  ASSERT_GE(sock, 0);
  const Bytes request = udp_frame(40000, 7, pattern(64));

  std::size_t failures = 0;
  auto echo_once = [&](std::uint64_t i) {
    device::Frame frame;
    if (!io.allocate(frame)) {
      ++failures;
      return;
    }
    std::memcpy(frame.data, request.data(), request.size());
    frame.len = static_cast<std::uint32_t>(request.size());
    const Instant now = Instant::from_micros(i);
    interface.receive(now, frame);
    socket::UdpDatagram datagram;
    if (!interface.udp_receive(sock, datagram)) {
      ++failures;
      return;
    }
    datagram.payload[0] = static_cast<std::uint8_t>(i);
    if (interface.udp_reply_in_place(now, std::move(datagram), datagram.payload.size()) != 0) ++failures;
    interface.poll(now);
  };

  for (std::uint64_t i = 0; i < 100; ++i) echo_once(i);  // warm-up
  const std::uint64_t transmitted_before = io.transmitted_count;
  sluice::test::AllocationCounter::start();
  for (std::uint64_t i = 100; i < 10'100; ++i) echo_once(i);
  const std::uint64_t allocations = sluice::test::AllocationCounter::stop();

  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(io.transmitted_count - transmitted_before, 10'000u);
  EXPECT_EQ(interface.udp_counters(sock).tx_datagrams, 10'100u);
  EXPECT_EQ(interface.counters().drop_bad_udp_checksum, 0u);
  EXPECT_TRUE(io.pool_full());
}

TEST(DataPathAllocation, TheCounterSeesAllocations) {
  static int* volatile sink = nullptr;  // volatile: the new/delete pair cannot be elided
  sluice::test::AllocationCounter::start();
  sink = new int(3);
  const std::uint64_t allocations = sluice::test::AllocationCounter::stop();
  delete sink;
  EXPECT_EQ(allocations, 1u) << "otherwise the test above proves nothing";
}
