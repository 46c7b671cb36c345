// TAP in a private namespace: our side is the file descriptor, the kernel side is the interface.
#include <poll.h>

#include <numeric>

#include "open_helpers.hpp"
#include "device/netdev.hpp"
#include "device/open.hpp"
#include "device/tap/tap_device.hpp"
#include "netns_harness.hpp"
#include "packet_socket.hpp"
#include "util/error.hpp"

namespace sluice::device {
namespace {

using test::Bytes;
using test::error_code_of;

DeviceConfig tap_named(const std::string& iface) {
  DeviceConfig config;
  config.backend = "tap";
  config.iface = iface;
  config.frame_count = 64;
  return config;
}

std::unique_ptr<Device> open_up(const std::string& iface) {
  auto device = open_device(tap_named(iface));
  test::sh("ip link set dev " + iface + " up");
  return device;
}

using test::frames_of_every_size;
using test::total_bytes;


TEST(Tap, ReceivesWhatTheKernelSendsByteExactInOrder) {
  test::run_in_private_netns([] {
    auto device = open_up("tap0");
    EXPECT_EQ(device->info().backend, "tap");
    EXPECT_EQ(device->info().name, "tap0");
    EXPECT_EQ(device->info().mode, "created");
    EXPECT_EQ(device->info().mtu, 1500u);
    EXPECT_GE(device->wait_fd(), 0);
    test::PacketSocket kernel("tap0");
    const auto sent = frames_of_every_size(device->info().mac, test::mac_of("tap0"));
    for (const auto& frame : sent) kernel.send(frame);
    EXPECT_EQ(test::receive_frames(*device, sent.size()), sent);
    EXPECT_TRUE(test::receive_frames(*device, 1, std::chrono::milliseconds(50)).empty());
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.rx_packets, sent.size());
    EXPECT_EQ(counters.rx_bytes, total_bytes(sent));
    EXPECT_EQ(device->pool_available(), 64u);
    EXPECT_EQ(device->pool_capacity(), 64u);
  });
}

TEST(Tap, TransmitsToTheKernelByteExactInOrder) {
  test::run_in_private_netns([] {
    auto device = open_up("tap0");
    test::PacketSocket kernel("tap0");
    const auto frames = frames_of_every_size(test::mac_of("tap0"), device->info().mac);
    test::transmit_frames(*device, frames);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto got = kernel.receive();
      ASSERT_TRUE(got) << "frame " << i << " never reached the kernel";
      EXPECT_EQ(*got, frames[i]) << "frame " << i;
    }
    EXPECT_FALSE(kernel.receive(std::chrono::milliseconds(100)));
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.tx_packets, frames.size());
    EXPECT_EQ(counters.tx_bytes, total_bytes(frames));
    EXPECT_EQ(counters.tx_dropped, 0u);
    EXPECT_EQ(counters.tx_ring_full, 0u);
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(Tap, OurMacIsGeneratedLocallyAdministeredOrConfigured) {
  test::run_in_private_netns([] {
    auto device = open_device(tap_named("tap0"));
    const wire::MacAddress mac = device->info().mac;
    EXPECT_EQ(mac, tap::generated_mac("tap0"));  // reproducible from the name
    EXPECT_EQ(mac.octets[0] & 0x03, 0x02);       // locally administered, unicast
    EXPECT_NE(mac, test::mac_of("tap0"));        // the kernel side is our peer, not us
    EXPECT_NE(tap::generated_mac("tap0"), tap::generated_mac("tap1"));
    device.reset();

    DeviceConfig config = tap_named("tap0");
    config.mac = wire::MacAddress::parse("02:00:00:00:00:2a");
    EXPECT_EQ(open_device(config)->info().mac, *config.mac);
    config.mac = wire::MacAddress::parse("03:00:00:00:00:2a");
    EXPECT_EQ(error_code_of(config), EINVAL);
  });
}

TEST(Tap, WaitFdBecomesReadableWhenAFrameArrives) {
  test::run_in_private_netns([] {
    auto device = open_up("tap0");
    pollfd waiter{device->wait_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&waiter, 1, 50), 0);
    test::PacketSocket kernel("tap0");
    const Bytes frame = test::test_frame(device->info().mac, test::mac_of("tap0"), 60, 5);
    kernel.send(frame);
    ASSERT_EQ(::poll(&waiter, 1, 2000), 1);
    EXPECT_TRUE(waiter.revents & POLLIN);
    EXPECT_EQ(test::receive_frames(*device, 1), std::vector<Bytes>{frame});
  });
}

TEST(Tap, AnEmptyPoolStopsReceiveAndAllocateWithCounters) {
  test::run_in_private_netns([] {
    auto device = open_up("tap0");
    std::vector<Frame> frames(100);
    ASSERT_EQ(device->allocate(frames), 64u);
    EXPECT_EQ(device->counters().alloc_failures, 1u);
    EXPECT_EQ(device->pool_available(), 0u);
    test::PacketSocket kernel("tap0");
    const Bytes frame = test::test_frame(device->info().mac, test::mac_of("tap0"), 80, 9);
    kernel.send(frame);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Frame burst[8];
    EXPECT_EQ(device->receive(burst), 0u);
    EXPECT_EQ(device->counters().fill_ring_empty, 1u);
    device->release({frames.data(), 64});
    EXPECT_EQ(device->pool_available(), 64u);
    EXPECT_EQ(test::receive_frames(*device, 1), std::vector<Bytes>{frame});  // it waited in the kernel
  });
}

TEST(Tap, TransmitWhileTheInterfaceIsDownDropsAndCounts) {
  test::run_in_private_netns([] {
    auto device = open_device(tap_named("tap0"));  // never brought up
    test::transmit_frames(*device, {test::test_frame(wire::MacAddress::broadcast(), device->info().mac, 60, 1)});
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.tx_packets, 0u);  // the kernel answers EIO while the interface is down
    EXPECT_EQ(counters.tx_dropped, 1u);
    EXPECT_EQ(counters.tx_ring_full, 0u);
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(Tap, CreatedInterfacesVanishOnCloseExistingOnesStayAndAreExclusive) {
  test::run_in_private_netns([] {
    open_device(tap_named("tap0")).reset();
    EXPECT_FALSE(netdev::interface_exists("tap0"));
    EXPECT_EQ(open_device(tap_named("tap0"))->info().mode, "created");  // and again at once

    test::sh("ip tuntap add dev tap1 mode tap");
    auto device = open_device(tap_named("tap1"));
    EXPECT_EQ(device->info().mode, "attached");
    std::string message;
    EXPECT_EQ(error_code_of(tap_named("tap1"), &message), EBUSY);
    EXPECT_NE(message.find("tap1"), std::string::npos) << message;
    device.reset();
    EXPECT_TRUE(netdev::interface_exists("tap1"));
    EXPECT_EQ(open_device(tap_named("tap1"))->info().mode, "attached");
  });
}

TEST(Tap, ConfigurationErrorsAreEINVAL) {
  test::run_in_private_netns([] {
    test::make_veth();
    std::string message;
    EXPECT_EQ(error_code_of(tap_named("a"), &message), EINVAL);
    EXPECT_NE(message.find("not a TAP"), std::string::npos) << message;
    EXPECT_EQ(error_code_of(tap_named("a-name-far-too-long-for-linux")), EINVAL);
    EXPECT_EQ(error_code_of(tap_named("")), EINVAL);
    DeviceConfig config = tap_named("tap0");
    config.queue = 1;
    EXPECT_EQ(error_code_of(config), EINVAL);
    config = tap_named("tap0");
    config.mtu = 9000;
    EXPECT_EQ(error_code_of(config, &message), EINVAL);
    EXPECT_NE(message.find("9000"), std::string::npos) << message;
    EXPECT_FALSE(netdev::interface_exists("tap0")) << "a failed open left its interface behind";
  });
}

}  // namespace
}  // namespace sluice::device
