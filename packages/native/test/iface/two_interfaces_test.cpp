// Two interfaces wired back to back: what one transmits, the other receives, through a tiny loop.
#include <gtest/gtest.h>

#include <deque>

#include "iface/frames.hpp"
#include "iface/interface.hpp"
#include "iface/test_frame_io.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

struct Station {
  TestFrameIo io;
  std::deque<device::Frame> inbox;
  std::unique_ptr<iface::Interface> interface;
};

class BackToBack : public ::testing::Test {
 protected:
  void SetUp() override {
    a.interface = std::make_unique<iface::Interface>(config(host_mac, host_ip, 1), a.io);
    b.interface = std::make_unique<iface::Interface>(config(peer_mac, peer_ip, 2), b.io);
    wire_to(a, b);
    wire_to(b, a);
  }

  void TearDown() override {
    a.interface.reset();
    b.interface.reset();
    EXPECT_TRUE(a.io.pool_full());
    EXPECT_TRUE(b.io.pool_full());
  }

  static iface::InterfaceConfig config(const wire::MacAddress& mac, wire::Ipv4Address address, std::uint32_t seed) {
    iface::InterfaceConfig c;
    c.mac = mac;
    c.address = address;
    c.prefix_length = 24;
    c.seed = seed;
    return c;
  }

  /// What `from` transmits is copied into a frame of `to`'s pool and queued for `to`.
  static void wire_to(Station& from, Station& to) {
    from.io.record = false;
    from.io.on_transmit = [&from, &to](const device::Frame& frame) {
      to.inbox.push_back(to.io.frame_with(Bytes(frame.data, frame.data + frame.len)));
      from.io.give_back(frame);
    };
  }

  /// Delivers frames until both inboxes are empty; returns how many were delivered.
  int run(Instant now) {
    int delivered = 0;
    while (!a.inbox.empty() || !b.inbox.empty()) {
      for (Station* station : {&a, &b}) {
        if (station->inbox.empty()) continue;
        const device::Frame frame = station->inbox.front();
        station->inbox.pop_front();
        station->interface->receive(now, frame);
        ++delivered;
      }
    }
    return delivered;
  }

  static Bytes take(iface::Interface& interface, int sock, socket::Endpoint* from = nullptr) {
    socket::UdpDatagram datagram;
    if (!interface.udp_receive(sock, datagram)) return {};
    if (from != nullptr) *from = datagram.from;
    Bytes payload(datagram.payload.begin(), datagram.payload.end());
    interface.release(datagram);
    return payload;
  }

  Station a;
  Station b;
};

}  // namespace

TEST_F(BackToBack, ResolveEachOtherAndExchangeUdpBothWays) {
  const int a_sock = a.interface->udp_bind({{}, 0});
  const int b_sock = b.interface->udp_bind({{}, 7000});
  const std::uint16_t a_port = a.interface->udp_local(a_sock).port;

  ASSERT_EQ(a.interface->udp_send_to(Instant::from_millis(0), a_sock, {peer_ip, 7000}, Bytes{'p', 'i', 'n', 'g'}), 0);
  EXPECT_EQ(run(Instant::from_millis(1)), 3) << "ARP request, ARP reply, the datagram";
  socket::Endpoint from;
  EXPECT_EQ(take(*b.interface, b_sock, &from), (Bytes{'p', 'i', 'n', 'g'}));
  EXPECT_EQ(from, (socket::Endpoint{host_ip, a_port}));

  ASSERT_EQ(b.interface->udp_send_to(Instant::from_millis(2), b_sock, from, Bytes{'p', 'o', 'n', 'g'}), 0);
  EXPECT_EQ(run(Instant::from_millis(3)), 1) << "B learned A from its request: no ARP needed";
  EXPECT_EQ(take(*a.interface, a_sock), (Bytes{'p', 'o', 'n', 'g'}));

  // And the zero-copy echo path, A -> B -> A.
  ASSERT_EQ(a.interface->udp_send_to(Instant::from_millis(4), a_sock, {peer_ip, 7000}, Bytes{1, 2, 3}), 0);
  run(Instant::from_millis(5));
  socket::UdpDatagram datagram;
  ASSERT_TRUE(b.interface->udp_receive(b_sock, datagram));
  datagram.payload[0] = 9;
  ASSERT_EQ(b.interface->udp_reply_in_place(Instant::from_millis(6), std::move(datagram), 3), 0);
  run(Instant::from_millis(7));
  EXPECT_EQ(take(*a.interface, a_sock), (Bytes{9, 2, 3}));

  EXPECT_EQ(a.interface->counters().arp_requests_sent, 1u);
  EXPECT_EQ(b.interface->counters().arp_requests_sent, 0u);
  EXPECT_EQ(b.interface->counters().arp_replies_sent, 1u);
  EXPECT_EQ(a.interface->udp_counters(a_sock).tx_datagrams, 2u);
  EXPECT_EQ(b.interface->udp_counters(b_sock).tx_datagrams, 2u);
  EXPECT_EQ(a.interface->counters().drop_bad_udp_checksum + b.interface->counters().drop_bad_udp_checksum, 0u);
  EXPECT_EQ(a.interface->next_deadline(), Instant::never());
}

TEST_F(BackToBack, ClosedPortOnTheOtherSideReportsPortUnreachable) {
  const int a_sock = a.interface->udp_bind({{}, 5000});
  ASSERT_EQ(a.interface->udp_send_to(Instant::from_millis(0), a_sock, {peer_ip, 9}, Bytes{1}), 0);
  run(Instant::from_millis(1));
  EXPECT_EQ(b.interface->counters().icmp_port_unreachable_sent, 1u);
  EXPECT_EQ(a.interface->counters().icmp_rx_other, 1u) << "A receives the error and does not answer it";
  EXPECT_EQ(b.interface->counters().rx_frames, 2u);
}
