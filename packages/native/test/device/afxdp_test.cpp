// AF_XDP on a veth pair in a private namespace: our socket on `a`, the kernel on `b`.
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <numeric>
#include <thread>

#include "open_helpers.hpp"
#include "device/open.hpp"
#include "netns_harness.hpp"
#include "packet_socket.hpp"
#include "util/error.hpp"

namespace sluice::device {
namespace {

using test::Bytes;
using test::error_code_of;
using test::xdp_program_on;

DeviceConfig xdp_on(const std::string& iface) {
  DeviceConfig config;
  config.backend = "xdp";
  config.iface = iface;
  config.frame_count = 256;
  config.ring_size = 64;
  return config;
}

using test::frames_of_every_size;
using test::total_bytes;



TEST(AfXdp, ReceivesFramesOfEverySizeByteExactInOrder) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(xdp_on("a"));
    EXPECT_EQ(device->info().backend, "xdp");
    EXPECT_EQ(device->info().name, "a");
    EXPECT_EQ(device->info().queue, 0u);
    EXPECT_EQ(device->info().mtu, 1500u);
    EXPECT_EQ(device->info().mac, test::mac_of("a"));
    EXPECT_EQ(device->info().mode, "xdp-drv/copy");  // veth: native XDP, no zero-copy
    EXPECT_EQ(device->wait_fd(), -1);                 // busy-poll mode
    EXPECT_EQ(device->pool_capacity(), 256u);
    EXPECT_EQ(device->pool_available(), 256u);

    test::PacketSocket peer("b");
    const auto sent = frames_of_every_size(test::mac_of("a"), test::mac_of("b"));
    for (const auto& frame : sent) peer.send(frame);
    const auto received = test::receive_frames(*device, sent.size());
    EXPECT_EQ(received, sent);

    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.rx_packets, sent.size());
    EXPECT_EQ(counters.rx_bytes, total_bytes(sent));
    EXPECT_EQ(counters.rx_dropped, 0u);
    EXPECT_EQ(counters.tx_packets, 0u);
    EXPECT_EQ(counters.kicks, 0u);
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(AfXdp, TransmitsFramesOfEverySizeByteExactInOrder) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(xdp_on("a"));
    test::PacketSocket peer("b");
    const auto frames = frames_of_every_size(test::mac_of("b"), test::mac_of("a"));
    test::transmit_frames(*device, frames);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto got = peer.receive();
      ASSERT_TRUE(got) << "frame " << i << " never reached the peer";
      EXPECT_EQ(*got, frames[i]) << "frame " << i;
    }
    EXPECT_FALSE(peer.receive(std::chrono::milliseconds(100))) << "an unexpected extra frame";
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.tx_packets, frames.size());
    EXPECT_EQ(counters.tx_bytes, total_bytes(frames));
    EXPECT_EQ(counters.tx_ring_full, 0u);
    EXPECT_EQ(counters.tx_dropped, 0u);
    EXPECT_EQ(counters.kicks, 1u);  // 14 frames in one burst of 16: one sendto
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(AfXdp, TransmitBeyondTheRingIsRefusedThenSentAfterFlush) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(xdp_on("a"));  // TX ring of 64
    test::PacketSocket peer("b");
    std::vector<Bytes> frames;
    for (std::uint32_t i = 0; i < 100; ++i) frames.push_back(test::test_frame(test::mac_of("b"), test::mac_of("a"), 60 + i, i));

    std::vector<Frame> burst(100);
    ASSERT_EQ(device->allocate(burst), 100u);
    for (std::size_t i = 0; i < burst.size(); ++i) {
      std::copy(frames[i].begin(), frames[i].end(), burst[i].data);
      burst[i].len = static_cast<std::uint32_t>(frames[i].size());
    }
    ASSERT_EQ(device->transmit(burst), 64u);
    EXPECT_EQ(device->counters().tx_ring_full, 36u);
    device->flush();  // the kernel sends 32 per sendto(): more than one kick, still one flush
    ASSERT_EQ(device->transmit(std::span(burst).subspan(64)), 36u);
    device->flush();
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto got = peer.receive();
      ASSERT_TRUE(got) << "frame " << i << " never reached the peer";
      EXPECT_EQ(*got, frames[i]) << "frame " << i;
    }
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.tx_packets, 100u);
    EXPECT_EQ(counters.tx_ring_full, 36u);
    EXPECT_GE(counters.kicks, 4u);  // 64 then 36 frames at 32 per kick
    EXPECT_LE(counters.kicks, 6u);
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(AfXdp, AllocateStopsAtTheFramesNotLentForReceive) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(xdp_on("a"));  // 256 frames, 64 lent to the fill ring
    std::vector<Frame> frames(300);
    const std::size_t got = device->allocate(frames);
    EXPECT_EQ(got, 192u);
    EXPECT_EQ(device->counters().alloc_failures, 1u);
    EXPECT_EQ(device->pool_available(), 64u);
    for (std::size_t i = 0; i < got; ++i) {
      EXPECT_EQ(frames[i].len, 0u);
      EXPECT_EQ(frames[i].capacity, 2048u);
    }
    Frame none[1];
    EXPECT_EQ(device->allocate(none), 0u);
    EXPECT_EQ(device->counters().alloc_failures, 2u);
    device->release({frames.data(), got});
    EXPECT_EQ(device->pool_available(), 256u);
    EXPECT_EQ(device->allocate({frames.data(), 10}), 10u);
    device->release({frames.data(), 10});
    EXPECT_EQ(device->pool_available(), 256u);
  });
}

TEST(AfXdp, OverflowingTheReceiveRingCountsDropsExactly) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(xdp_on("a"));  // 64 frames lent for receive
    test::PacketSocket peer("b");
    for (std::uint32_t i = 0; i < 100; ++i) peer.send(test::test_frame(test::mac_of("a"), test::mac_of("b"), 60, i));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto received = test::receive_frames(*device, 100, std::chrono::milliseconds(300));
    ASSERT_EQ(received.size(), 64u);
    for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(received[i], test::test_frame(test::mac_of("a"), test::mac_of("b"), 60, i));
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.rx_packets, 64u);
    EXPECT_EQ(counters.rx_dropped, 36u);
    EXPECT_GT(counters.fill_ring_empty, 0u);
  });
}

TEST(AfXdp, NeedWakeupModeWakesTheWaitFdWhenAFrameArrives) {
  test::run_in_private_netns([] {
    test::make_veth();
    DeviceConfig config = xdp_on("a");
    config.busy_poll = false;
    auto device = open_device(config);
    ASSERT_GE(device->wait_fd(), 0);
    pollfd waiter{device->wait_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&waiter, 1, 50), 0) << "readable before anything arrived";
    test::PacketSocket peer("b");
    const Bytes frame = test::test_frame(test::mac_of("a"), test::mac_of("b"), 60, 7);
    peer.send(frame);
    waiter.revents = 0;
    ASSERT_EQ(::poll(&waiter, 1, 2000), 1);
    EXPECT_TRUE(waiter.revents & POLLIN);
    Frame burst[4];
    ASSERT_EQ(device->receive(burst), 1u);
    EXPECT_EQ(Bytes(burst[0].data, burst[0].data + burst[0].len), frame);
    device->release({burst, 1});
    // Transmit still works without busy polling: the kick is the wakeup.
    test::transmit_frames(*device, {test::test_frame(test::mac_of("b"), test::mac_of("a"), 100, 8)});
    const auto echoed = peer.receive();
    ASSERT_TRUE(echoed);
    EXPECT_EQ(*echoed, test::test_frame(test::mac_of("b"), test::mac_of("a"), 100, 8));
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
  });
}

TEST(AfXdp, CloseDetachesTheProgramAndReopeningAtOnceWorks) {
  test::run_in_private_netns([] {
    test::make_veth();
    auto device = open_device(xdp_on("a"));
    EXPECT_NE(xdp_program_on("a"), 0u);
    device.reset();
    EXPECT_EQ(xdp_program_on("a"), 0u) << "the XDP program outlived the device";
    const auto started = std::chrono::steady_clock::now();
    device = open_device(xdp_on("a"));  // may wait out EBUSY on the queue
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, std::chrono::seconds(4));
    test::PacketSocket peer("b");
    const Bytes frame = test::test_frame(test::mac_of("a"), test::mac_of("b"), 200, 1);
    peer.send(frame);
    const auto received = test::receive_frames(*device, 1);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0], frame);
    // A second socket on the same queue is refused while the first one lives.
    const auto second_started = std::chrono::steady_clock::now();
    try {
      auto second = open_device(xdp_on("a"));
      ADD_FAILURE() << "a second socket bound the same queue";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), EBUSY) << error.what();
      EXPECT_NE(std::string(error.what()).find("queue 0"), std::string::npos) << error.what();
      EXPECT_GE(std::chrono::steady_clock::now() - second_started, std::chrono::seconds(2)) << "gave up too early";
      EXPECT_NE(std::string(error.what()).find("10 attempts"), std::string::npos) << error.what();
    }
  });
}

TEST(AfXdp, MissingInterfaceIsENODEVNamingIt) {
  test::run_in_private_netns([] {
    std::string message;
    EXPECT_EQ(error_code_of(xdp_on("eth9"), &message), ENODEV);
    EXPECT_NE(message.find("no interface eth9"), std::string::npos) << message;
  });
}

// Root normally registers any UMEM (CAP_IPC_LOCK); without that capability the locked-memory
// limit applies, as it does for an unprivileged user.
void drop_ipc_lock_and_limit_memlock(rlim_t bytes) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  ASSERT_EQ(::syscall(SYS_capget, &header, data), 0);
  data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
  ASSERT_EQ(::syscall(SYS_capset, &header, data), 0);
  const rlimit limit{bytes, bytes};
  ASSERT_EQ(::setrlimit(RLIMIT_MEMLOCK, &limit), 0);
}

TEST(AfXdp, LockedMemoryRefusalIsENOBUFSNamingMemlockAndTheUmemSize) {
  test::run_in_private_netns([] {
    test::make_veth();
    drop_ipc_lock_and_limit_memlock(1 << 20);
    DeviceConfig config = xdp_on("a");
    config.frame_count = 4096;  // 8 MiB of UMEM against a 1 MiB limit
    std::string message;
    EXPECT_EQ(error_code_of(config, &message), ENOBUFS);
    EXPECT_NE(message.find("RLIMIT_MEMLOCK 1 MiB"), std::string::npos) << message;
    EXPECT_NE(message.find("8 MiB UMEM"), std::string::npos) << message;
    EXPECT_NE(message.find("frame_count"), std::string::npos) << message;
    config.frame_count = 128;  // 256 KiB fits
    EXPECT_EQ(error_code_of(config), 0);
  });
}

TEST(AfXdp, ConfigurationErrorsAreEINVAL) {
  test::run_in_private_netns([] {
    test::make_veth();
    DeviceConfig config = xdp_on("a");
    config.xdp_mode = "turbo";
    EXPECT_EQ(error_code_of(config), EINVAL);
    config = xdp_on("a");
    config.ring_size = 100;
    EXPECT_EQ(error_code_of(config), EINVAL);
    config = xdp_on("a");
    config.queue = 1;  // a veth uses one queue
    std::string message;
    EXPECT_EQ(error_code_of(config, &message), EINVAL);
    EXPECT_NE(message.find("queue"), std::string::npos) << message;
    config = xdp_on("a");
    config.mtu = 1600;
    EXPECT_EQ(error_code_of(config, &message), EINVAL);
    EXPECT_NE(message.find("1600"), std::string::npos) << message;
    test::sh("ip link set dev a mtu 9000");
    EXPECT_EQ(error_code_of(xdp_on("a"), &message), EINVAL);  // 9000-byte frames do not fit 4096-byte UMEM frames
    EXPECT_NE(message.find("4096"), std::string::npos) << message;
    config = xdp_on("a");
    config.mtu = 1500;  // asking for less than the interface carries is fine
    EXPECT_EQ(error_code_of(config), 0);
  });
}

TEST(AfXdp, AutoFallsBackToGenericModeWhenNativeIsRefused) {
  test::run_in_private_netns([] {
    test::make_veth();
    test::sh("ip link set dev b mtu 4000");  // veth refuses native XDP when the peer's MTU exceeds a page
    DeviceConfig config = xdp_on("a");
    config.xdp_mode = "drv";
    std::string message;
    EXPECT_EQ(error_code_of(config, &message), EOPNOTSUPP);
    EXPECT_NE(message.find("xdp_mode=skb"), std::string::npos) << message;
    EXPECT_NE(message.find("a refused native XDP"), std::string::npos) << message;
    EXPECT_EQ(xdp_program_on("a"), 0u);

    auto device = open_device(xdp_on("a"));
    EXPECT_EQ(device->info().mode, "xdp-skb/copy");
    test::PacketSocket peer("b");
    const Bytes frame = test::test_frame(test::mac_of("a"), test::mac_of("b"), 1514, 3);
    peer.send(frame);
    const auto received = test::receive_frames(*device, 1);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0], frame);
  });
}

TEST(AfXdp, SkbModeOnRequest) {
  test::run_in_private_netns([] {
    test::make_veth();
    DeviceConfig config = xdp_on("a");
    config.xdp_mode = "skb";
    auto device = open_device(config);
    EXPECT_EQ(device->info().mode, "xdp-skb/copy");
    test::PacketSocket peer("b");
    const auto frames = frames_of_every_size(test::mac_of("b"), test::mac_of("a"));
    test::transmit_frames(*device, frames);
    for (const auto& frame : frames) {
      const auto got = peer.receive();
      ASSERT_TRUE(got);
      EXPECT_EQ(*got, frame);
    }
  });
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

// Not a benchmark: a sanity check that bursts, in-place retransmission and completion reaping keep
// up under a steady load, with the reached rate printed for the curious.
TEST(AfXdp, ReflectLoopReturnsEveryFrameInOrder) {
  test::run_in_private_netns([] {
    test::make_veth();
    DeviceConfig config = xdp_on("a");
    config.frame_count = 4096;
    config.ring_size = 2048;
    auto device = open_device(config);
    constexpr std::uint32_t total = 64 * 320;
    constexpr std::uint32_t window = 64;  // frames in flight: well below the rings, so nothing may drop

    std::atomic<bool> stop{false};
    std::thread reflector([&] {
      pin_to_cpu(0);
      Frame burst[64];
      while (!stop.load(std::memory_order_relaxed)) {
        const std::size_t got = device->receive(burst);
        if (got == 0) continue;
        for (std::size_t i = 0; i < got; ++i) {
          std::uint8_t* mac = burst[i].data;
          std::swap_ranges(mac, mac + 6, mac + 6);
        }
        const std::size_t sent = device->transmit({burst, got});
        device->release({burst + sent, got - sent});
        device->flush();
      }
    });

    pin_to_cpu(1);
    test::PacketSocket peer("b");
    const auto a = test::mac_of("a");
    const auto b = test::mac_of("b");
    const auto started = std::chrono::steady_clock::now();
    // Whole windows back to back, so the reflector sees bursts rather than single frames.
    std::uint32_t returned = 0;
    while (returned < total && !::testing::Test::HasFailure()) {
      std::vector<Bytes> frames;
      for (std::uint32_t i = 0; i < window; ++i) frames.push_back(test::test_frame(a, b, 64, returned + i));
      peer.send_all(frames);
      for (std::uint32_t i = 0; i < window; ++i, ++returned) {
        const auto frame = peer.receive();
        if (!frame || *frame != test::test_frame(b, a, 64, returned)) {
          ADD_FAILURE() << "reflected frame " << returned << (frame ? " differs" : " never came back");
          break;
        }
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    stop = true;
    reflector.join();
    EXPECT_EQ(returned, total);
    const DeviceCounters& counters = device->counters();
    EXPECT_EQ(counters.rx_packets, total);
    EXPECT_EQ(counters.tx_packets, total);
    EXPECT_EQ(counters.rx_dropped, 0u);
    EXPECT_EQ(counters.tx_ring_full, 0u);
    EXPECT_EQ(device->pool_available(), device->pool_capacity());
    std::printf("[ reflect  ] %u frames of 64 B, window %u: %.0f frames/s, %.2f frames per kick\n", total, window,
                total / seconds, static_cast<double>(counters.tx_packets) / static_cast<double>(counters.kicks));
  }, std::chrono::seconds(120));
}

}  // namespace
}  // namespace sluice::device
