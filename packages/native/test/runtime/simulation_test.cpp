// Whole stack instances over the simulated wire, in virtual time: ARP, ICMP echo, IPv4 reassembly
// and a UDP echo load under loss, duplication, reordering and corruption. Same seed, same outcome.
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "../iface/frames.hpp"
#include "apps/udp_echo.hpp"
#include "apps/udp_echo_client.hpp"
#include "device/sim/sim_wire.hpp"
#include "runtime/stack_instance.hpp"
#include "support/allocation_counter.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

constexpr Duration kTick = Duration::micros(10);
const wire::MacAddress raw_mac{{0x02, 0, 0, 0, 0, 0x03}};
const wire::Ipv4Address raw_ip = wire::Ipv4Address::from_octets(198, 18, 0, 3);

iface::InterfaceConfig interface_config(const wire::MacAddress& mac, wire::Ipv4Address address) {
  iface::InterfaceConfig config;
  config.mac = mac;
  config.address = address;
  config.prefix_length = 24;
  return config;
}

std::unique_ptr<runtime::StackInstance> instance_on(device::sim::SimWire& wire, const char* name,
                                                    const wire::MacAddress& mac, wire::Ipv4Address address) {
  auto device = wire.attach({.name = name, .mac = mac});
  return std::make_unique<runtime::StackInstance>(std::move(device), interface_config(mac, address));
}

/// The echo server on 198.18.0.1:7, a load client on .2, and a raw endpoint on .3 that the test
/// drives frame by frame.
struct Testbed {
  explicit Testbed(std::uint64_t seed, const device::sim::LinkConfig& link, const apps::EchoLoadOptions& load)
      : wire({.seed = seed}),
        server(instance_on(wire, "server", host_mac, host_ip)),
        client(instance_on(wire, "client", peer_mac, peer_ip)),
        raw(wire.attach({.name = "raw", .mac = raw_mac})),
        echo(7),
        load_client({host_ip, 7}, load, done) {
    wire.configure_all_links(link);
    echo.start(now, *server);
    load_client.start(now, *client);
  }

  void step(bool with_load) {
    wire.advance(now);
    server->receive(now);
    echo.step(now, *server);
    server->finish(now);
    if (with_load) {
      client->receive(now);
      load_client.step(now, *client);
      client->finish(now);
    }
    now = now + kTick;
  }

  /// Sends bytes from the raw endpoint as one frame.
  void send_raw(const Bytes& bytes) {
    device::Frame frame;
    ASSERT_EQ(raw->allocate({&frame, 1}), 1u);
    std::copy(bytes.begin(), bytes.end(), frame.data);
    frame.len = static_cast<std::uint32_t>(bytes.size());
    ASSERT_EQ(raw->transmit({&frame, 1}), 1u);
  }

  /// Runs the server until the raw endpoint receives a frame, and returns its bytes.
  std::optional<Bytes> await_raw(Duration timeout) {
    const Instant deadline = now + timeout;
    while (now < deadline) {
      step(false);
      device::Frame frame;
      if (raw->receive({&frame, 1}) == 1) {
        Bytes bytes(frame.data, frame.data + frame.len);
        raw->release({&frame, 1});
        return bytes;
      }
    }
    return std::nullopt;
  }

  /// Stops the apps, drains the wire, and hands every cached frame back to its pool.
  void drain() {
    echo.stop(*server);
    load_client.stop(*client);
    for (int i = 0; i < 2000; ++i) step(false);
    device::Frame frame;
    while (client->device().receive({&frame, 1}) == 1) client->device().release({&frame, 1});
    server->frame_io().return_cached();
    client->frame_io().return_cached();
  }

  device::sim::SimWire wire;
  Instant now{};
  std::atomic<bool> done{false};
  std::unique_ptr<runtime::StackInstance> server;
  std::unique_ptr<runtime::StackInstance> client;
  std::unique_ptr<device::sim::SimDevice> raw;
  apps::UdpEcho echo;
  apps::UdpEchoClient load_client;
};

struct LoadOutcome {
  std::uint64_t round_trips, sent, lost, unexpected, p50, max, server_echoed, checksum_drops;
  friend bool operator==(const LoadOutcome&, const LoadOutcome&) = default;
};

LoadOutcome run_load(std::uint64_t seed, const device::sim::LinkConfig& link) {
  apps::EchoLoadOptions load;
  load.window = 16;
  load.size = 200;
  load.duration = Duration::seconds(2);
  load.warmup = Duration::millis(10);
  load.loss_timeout = Duration::millis(20);
  Testbed bed(seed, link, load);
  while (!bed.done) bed.step(true);
  const auto result = bed.load_client.result();
  const auto& server_counters = bed.server->interface().counters();
  LoadOutcome outcome{result.round_trips,
                      result.sent,
                      result.lost,
                      result.unexpected,
                      result.rtt.quantile(0.5),
                      result.rtt.max(),
                      bed.echo.counters().datagrams,
                      server_counters.drop_bad_udp_checksum + server_counters.drop_bad_ip_checksum};
  bed.drain();
  EXPECT_EQ(bed.server->device().pool_available(), bed.server->device().pool_capacity()) << "server leaked frames";
  EXPECT_EQ(bed.client->device().pool_available(), bed.client->device().pool_capacity()) << "client leaked frames";
  return outcome;
}

device::sim::LinkConfig lossy_link() {
  device::sim::LinkConfig link;
  link.delay = Duration::micros(20);
  link.jitter = Duration::micros(5);
  link.drop = 0.05;
  link.duplicate = 0.01;
  link.reorder = 0.02;
  link.corrupt = 0.01;
  return link;
}

}  // namespace

TEST(Simulation, EchoLoadUnderLossCompletesAndReplaysExactlyFromItsSeed) {
  const LoadOutcome first = run_load(42, lossy_link());
  const LoadOutcome again = run_load(42, lossy_link());
  const LoadOutcome other = run_load(43, lossy_link());
  EXPECT_EQ(first, again) << "the same seed must give the same run";
  EXPECT_NE(first, other) << "another seed should give another run";
  EXPECT_GT(first.round_trips, 10'000u);
  EXPECT_GT(first.lost, 0u) << "5% loss each way must lose requests";
  EXPECT_GT(first.checksum_drops, 0u) << "corrupted frames must be caught by checksums";
  EXPECT_GT(first.unexpected, 0u) << "duplicated replies arrive for requests already answered";
  EXPECT_GE(first.p50, 40'000u) << "at least the two one-way delays";
}

TEST(Simulation, CleanLinkLosesNothing) {
  device::sim::LinkConfig clean;
  clean.delay = Duration::micros(20);
  const LoadOutcome outcome = run_load(7, clean);
  EXPECT_EQ(outcome.lost, 0u);
  EXPECT_EQ(outcome.unexpected, 0u);
  EXPECT_EQ(outcome.checksum_drops, 0u);
  EXPECT_GT(outcome.round_trips, 50'000u);
}

TEST(Simulation, ArpThenPingThenReassembledUdpEchoFromARawHost) {
  device::sim::LinkConfig link;
  link.delay = Duration::micros(20);
  link.reorder = 0.5;  // fragments arrive out of order half the time
  link.reorder_window = Duration::micros(200);
  apps::EchoLoadOptions unused;
  Testbed bed(9, link, unused);

  // ARP: who has 198.18.0.1? The reply names the server's MAC, and the server learns ours.
  bed.send_raw(arp(wire::ArpOperation::request, raw_mac, raw_ip, {}, host_ip));
  auto arp_reply = bed.await_raw(Duration::millis(5));
  ASSERT_TRUE(arp_reply.has_value());
  const auto arp_frame = wire::EthernetFrame::parse(*arp_reply);
  ASSERT_TRUE(arp_frame.has_value());
  EXPECT_EQ(arp_frame->destination(), raw_mac);
  EXPECT_EQ(arp_frame->source(), host_mac);

  // ICMP echo.
  const Bytes ping_data = pattern(56, 3);
  bed.send_raw(ethernet(host_mac, raw_mac, wire::EtherType::ipv4,
                        ipv4({.source = raw_ip, .destination = host_ip}, wire::IpProtocol::icmp, echo_request(0x77, 1, ping_data))));
  const auto pong = bed.await_raw(Duration::millis(5));
  ASSERT_TRUE(pong.has_value());
  ASSERT_EQ(pong->size(), 14u + 20 + 8 + ping_data.size());
  EXPECT_EQ((*pong)[14 + 20], 0) << "echo reply";
  EXPECT_EQ(slice(*pong, 14 + 20 + 8, ping_data.size()), ping_data);

  // A 1200-byte UDP datagram in three fragments, sent last first.
  const Bytes payload = pattern(1200, 11);
  const Bytes datagram = udp(raw_ip, host_ip, 5555, 7, payload);
  const std::size_t cuts[] = {0, 512, 1024, datagram.size()};
  for (int part = 2; part >= 0; --part) {
    const IpFields fields{.source = raw_ip, .destination = host_ip, .identification = 0x4242,
                          .more_fragments = part < 2, .fragment_offset = static_cast<std::uint32_t>(cuts[part])};
    bed.send_raw(ethernet(host_mac, raw_mac, wire::EtherType::ipv4,
                          ipv4(fields, wire::IpProtocol::udp, slice(datagram, cuts[part], cuts[part + 1] - cuts[part]))));
  }
  const auto echoed = bed.await_raw(Duration::millis(5));
  ASSERT_TRUE(echoed.has_value());
  ASSERT_EQ(echoed->size(), 14u + 20 + 8 + payload.size()) << "the echo fits one frame";
  EXPECT_EQ(slice(*echoed, 14 + 20 + 8, payload.size()), payload);
  EXPECT_EQ(bed.server->interface().counters().reassembled, 1u);
  EXPECT_EQ(bed.server->interface().counters().rx_fragments, 3u);

  bed.drain();
  EXPECT_EQ(bed.server->device().pool_available(), bed.server->device().pool_capacity());
}

TEST(Simulation, SteadyStateEchoAllocatesNothingAcrossTheWholeInstance) {
  device::sim::LinkConfig link;
  link.delay = Duration::micros(20);
  apps::EchoLoadOptions load;
  load.window = 8;
  load.size = 64;
  load.duration = Duration::seconds(10);
  Testbed bed(5, link, load);
  for (int i = 0; i < 20'000; ++i) bed.step(true);  // ARP resolved, pools and caches warm
  const std::uint64_t before = bed.echo.counters().datagrams;
  sluice::test::AllocationCounter::start();
  for (int i = 0; i < 50'000; ++i) bed.step(true);
  const std::uint64_t allocations = sluice::test::AllocationCounter::stop();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(bed.echo.counters().datagrams - before, 10'000u) << "the measured stretch did real work";
  bed.drain();
}
