// DPDK over virtual devices on a veth pair in a private namespace: the port on `a`, the kernel on
// `b`. The EAL lives once per process, so each test body (a forked child) gets its own.
#include <numeric>

#include "open_helpers.hpp"
#include "device/open.hpp"
#include "netns_harness.hpp"
#include "packet_socket.hpp"
#include "util/error.hpp"
#ifdef SLUICE_HAVE_DPDK
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include "device/dpdk/eal.hpp"
#endif

namespace sluice::device {
namespace {

using test::Bytes;
using test::error_code_of;
using test::xdp_program_on;


#ifndef SLUICE_HAVE_DPDK

TEST(Dpdk, ThisBuildHasNoDpdkIsENOSYS) {
  DeviceConfig config;
  config.backend = "dpdk";
  config.iface = "eth0";
  std::string message;
  EXPECT_EQ(error_code_of(config, &message), ENOSYS);
  EXPECT_NE(message.find("this build has no DPDK"), std::string::npos) << message;
}

#else


DeviceConfig vdev(const std::string& devargs) {
  DeviceConfig config;
  config.backend = "dpdk";
  config.dpdk_vdev = devargs;
  config.frame_count = 512;
  config.ring_size = 256;
  return config;
}

using test::frames_of_every_size;
using test::total_bytes;

// Both directions through one port, with exact counters and the pool whole again at the end.
void exchange_frames_through(Device& device) {
  test::PacketSocket peer("b");
  const auto inbound = frames_of_every_size(device.info().mac, test::mac_of("b"));
  for (const auto& frame : inbound) peer.send(frame);
  EXPECT_EQ(test::receive_frames(device, inbound.size()), inbound);

  const auto outbound = frames_of_every_size(test::mac_of("b"), device.info().mac);
  test::transmit_frames(device, outbound);
  for (std::size_t i = 0; i < outbound.size(); ++i) {
    const auto got = peer.receive();
    ASSERT_TRUE(got) << "frame " << i << " never reached the peer";
    EXPECT_EQ(*got, outbound[i]) << "frame " << i;
  }
  EXPECT_FALSE(peer.receive(std::chrono::milliseconds(100))) << "an unexpected extra frame";

  const DeviceCounters& counters = device.counters();
  EXPECT_EQ(counters.rx_packets, inbound.size());
  EXPECT_EQ(counters.rx_bytes, total_bytes(inbound));
  EXPECT_EQ(counters.tx_packets, outbound.size());
  EXPECT_EQ(counters.tx_bytes, total_bytes(outbound));
  EXPECT_EQ(counters.rx_dropped, 0u);
  EXPECT_EQ(counters.tx_ring_full, 0u);
  device.flush();
}

TEST(Dpdk, AfPacketVdevMovesFramesByteExactBothWays) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(vdev("net_af_packet0,iface=a"));
    EXPECT_EQ(device->info().backend, "dpdk");
    EXPECT_EQ(device->info().name, "net_af_packet0");
    EXPECT_EQ(device->info().mode, "net_af_packet");
    EXPECT_EQ(device->info().mac, test::mac_of("a"));
    EXPECT_EQ(device->info().mtu, 1500u);
    EXPECT_EQ(device->wait_fd(), -1);
    EXPECT_EQ(device->pool_capacity(), 512u);  // net_af_packet holds no mbufs of its own
    exchange_frames_through(*device);
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(Dpdk, DefaultVdevIsAfXdpOnTheInterface) {
  test::run_in_private_netns([] {
    test::make_veth();
    DeviceConfig config = vdev("");
    config.iface = "a";
    config.frame_count = 4096;
    std::unique_ptr<Device> device;
    {
      // DPDK 22.11's net_af_xdp never deletes its xsk_umem (nor closes the socket, see
      // claim_af_xdp_queue); everything else in this test stays leak-checked.
      test::ThirdPartyLeaksIgnored dpdk_af_xdp_umem;
      device = open_device(config);
    }
    EXPECT_EQ(device->info().mode, "net_af_xdp");
    EXPECT_EQ(device->info().mac, test::mac_of("a"));
    exchange_frames_through(*device);
    // net_af_xdp holds transmitted mbufs until its completion ring is half full (1024 entries).
    EXPECT_EQ(device->pool_available(), device->pool_capacity() - test::test_sizes().size());
    device.reset();
    EXPECT_EQ(xdp_program_on("a"), 0u) << "net_af_xdp left its XDP program attached";
    std::string message;
    EXPECT_EQ(error_code_of(config, &message), EBUSY);  // see claim_af_xdp_queue()
    EXPECT_NE(message.find("until the process exits"), std::string::npos) << message;
  });
}

TEST(Dpdk, OneEalServesEveryOpenInTheProcessAndRefusesOtherArguments) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto first = open_device(vdev("net_af_packet0,iface=a"));
    first.reset();
    auto again = open_device(vdev("net_af_packet0,iface=a"));  // same name, hot-plugged again
    std::string message;
    EXPECT_EQ(error_code_of(vdev("net_af_packet0,iface=a"), &message), EBUSY);  // the name is taken
    EXPECT_NE(message.find("already open"), std::string::npos) << message;
    exchange_frames_through(*again);  // and the refused open left the open port alone
    DeviceConfig other = vdev("net_af_packet1,iface=b");
    other.dpdk_args = {"-m", "256"};
    EXPECT_EQ(error_code_of(other, &message), EINVAL);
    EXPECT_NE(message.find("already initialised"), std::string::npos) << message;
  });
}

TEST(Dpdk, MissingInterfaceIsENODEVAndBadVdevIsEINVAL) {
  test::run_in_private_netns([] {
    std::string message;
    EXPECT_EQ(error_code_of(vdev("net_af_packet0,iface=eth9"), &message), ENODEV);
    EXPECT_NE(message.find("no interface eth9"), std::string::npos) << message;
    DeviceConfig config = vdev("");
    config.iface = "eth9";
    EXPECT_EQ(error_code_of(config, &message), ENODEV);
    EXPECT_EQ(error_code_of(vdev("crypto_null0"), &message), EINVAL);
    EXPECT_EQ(error_code_of(vdev(""), &message), EINVAL);  // neither iface nor vdev
    test::make_veth();
    DeviceConfig small = vdev("net_af_xdp0,iface=a");
    small.frame_count = 1024;
    EXPECT_EQ(error_code_of(small, &message), EINVAL);
    EXPECT_NE(message.find("at least 2048"), std::string::npos) << message;
    DeviceConfig queued = vdev("net_af_packet0,iface=a");
    queued.queue = 1;  // with an explicit vdev the queue lives in its arguments
    EXPECT_EQ(error_code_of(queued, &message), EINVAL);
    EXPECT_NE(message.find("start_queue"), std::string::npos) << message;
    DeviceConfig bad_queue = vdev("net_af_xdp0,iface=a,start_queue=x");
    bad_queue.frame_count = 4096;
    EXPECT_EQ(error_code_of(bad_queue, &message), EINVAL);
    EXPECT_NE(message.find("start_queue \"x\""), std::string::npos) << message;
  });
}

TEST(Dpdk, EalArgumentsDefaultToVirtualDevicesWithoutHugepages) {
  const auto args = dpdk::eal_arguments({false, "", {"--log-level=debug"}});
  const std::vector<std::string> expected_tail{"--no-huge", "--no-shconf", "-m", "512", "--no-pci", "--log-level=debug"};
  ASSERT_GE(args.size(), expected_tail.size());
  EXPECT_TRUE(std::equal(expected_tail.begin(), expected_tail.end(), args.end() - expected_tail.size()));
  const auto pci = dpdk::eal_arguments({true, "0000:01:00.0", {}});
  EXPECT_NE(std::find(pci.begin(), pci.end(), "--in-memory"), pci.end());
  EXPECT_NE(std::find(pci.begin(), pci.end(), "0000:01:00.0"), pci.end());
  EXPECT_EQ(std::find(pci.begin(), pci.end(), "--no-pci"), pci.end());
}

#endif

}  // namespace
}  // namespace sluice::device
