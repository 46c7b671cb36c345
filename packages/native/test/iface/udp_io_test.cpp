#include <gtest/gtest.h>

#include <cstring>

#include "iface/interface_fixture.hpp"
#include "wire/fixtures.hpp"

using namespace sluice;
using namespace sluice::testing;
using fixtures::concat;

class InterfaceUdp : public InterfaceTest {
 protected:
  Bytes hello_frame() { return concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header, fixtures::udp_hello}); }
  Bytes expected_reply(std::uint16_t from_port, std::uint16_t to_port, const Bytes& payload,
                       std::uint16_t id = first_ip_id) {
    return ethernet(peer_mac, host_mac, wire::EtherType::ipv4,
                    ipv4({host_ip, peer_ip, id}, wire::IpProtocol::udp, udp(host_ip, peer_ip, from_port, to_port, payload)));
  }
};

TEST_F(InterfaceUdp, QueuesTheReceivedFrameAndRepliesInPlaceByteExact) {
  const int sock = iface->udp_bind({{}, 7});
  ASSERT_EQ(sock, 0);
  receive(at_ms(0), hello_frame());
  ASSERT_EQ(iface->udp_queued(sock), 1u);
  EXPECT_EQ(io.available(), io.capacity() - 1) << "the socket holds the frame itself";

  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  EXPECT_EQ(Bytes(datagram.payload.begin(), datagram.payload.end()), (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(datagram.from, (socket::Endpoint{peer_ip, 40000}));
  EXPECT_EQ(datagram.to, (socket::Endpoint{host_ip, 7}));
  EXPECT_EQ(datagram.udp_offset, 34);
  EXPECT_EQ(datagram.payload.data(), datagram.frame.data + 42) << "zero copy: the payload is in the frame";
  socket::UdpDatagram none;
  EXPECT_FALSE(iface->udp_receive(sock, none)) << "queue drained";

  socket::UdpDatagram taken;
  receive(at_ms(1), hello_frame());
  ASSERT_TRUE(iface->udp_receive(sock, taken));
  std::memcpy(taken.payload.data(), "HELLO", 5);
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(1), std::move(taken), 5), 0);
  EXPECT_TRUE(taken.empty()) << "consumed";
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 40000, {'H', 'E', 'L', 'L', 'O'}));
  EXPECT_EQ(io.released_count, 0u);

  iface->release(datagram);  // the first one
  const auto& socket_counters = iface->udp_counters(sock);
  EXPECT_EQ(socket_counters.rx_datagrams, 2u);
  EXPECT_EQ(socket_counters.rx_bytes, 10u);
  EXPECT_EQ(socket_counters.tx_datagrams, 1u);
  EXPECT_EQ(socket_counters.tx_bytes, 5u);
}

TEST_F(InterfaceUdp, ReplyMayShrinkOrGrowThePayload) {
  const int sock = iface->udp_bind({{}, 7});
  receive(at_ms(0), hello_frame());
  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 2), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 40000, {'h', 'e'}));

  receive(at_ms(0), hello_frame());
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  const Bytes longer = pattern(1472);
  std::memcpy(datagram.payload.data(), longer.data(), longer.size());
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), longer.size()), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 40000, longer, first_ip_id + 1));

  receive(at_ms(0), hello_frame());
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  EXPECT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 1473), -EMSGSIZE) << "above mtu - 28";
  EXPECT_EQ(iface->udp_counters(sock).tx_errors, 1u);
  EXPECT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 1), -EINVAL) << "already consumed";
}

TEST_F(InterfaceUdp, ReplyToARequestWithIpOptionsDropsThem) {
  const int sock = iface->udp_bind({{}, 7});
  receive(at_ms(0), concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header_with_options, fixtures::udp_hello}));
  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  EXPECT_EQ(datagram.udp_offset, 38);
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 5), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 40000, {'h', 'e', 'l', 'l', 'o'}));
}

TEST_F(InterfaceUdp, ReplyToABroadcastComesFromOurAddress) {
  const int sock = iface->udp_bind({{}, 7});
  IpFields ip;
  ip.destination = wire::Ipv4Address::broadcast();
  receive(at_ms(0), udp_frame(40000, 7, {1, 2}, ip, wire::MacAddress::broadcast()));
  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  EXPECT_EQ(datagram.to.address, wire::Ipv4Address::broadcast());
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 2), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 40000, {1, 2}));
}

TEST_F(InterfaceUdp, ReassembledDatagramIsAnsweredFromItsSlotInFragments) {
  const int sock = iface->udp_bind({{}, 7});
  const Bytes whole = udp(peer_ip, host_ip, 40000, 7, pattern(3000));
  IpFields ip;
  for (std::size_t offset : {0u, 1480u, 2960u}) {
    const std::size_t len = std::min<std::size_t>(1480, whole.size() - offset);
    ip.fragment_offset = static_cast<std::uint32_t>(offset);
    ip.more_fragments = offset + len < whole.size();
    receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4(ip, wire::IpProtocol::udp, slice(whole, offset, len))));
  }
  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 3000), 0);
  ASSERT_EQ(io.sent.size(), 3u);
  Bytes reassembled;
  for (int i = 0; i < 3; ++i) {
    Bytes frame = io.pop_sent();
    EXPECT_EQ(slice(frame, 0, 6), Bytes(peer_mac.octets.begin(), peer_mac.octets.end()));
    reassembled.insert(reassembled.end(), frame.begin() + 34, frame.end());
  }
  EXPECT_EQ(reassembled, udp(host_ip, peer_ip, 7, 40000, pattern(3000)));
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u);
  EXPECT_EQ(iface->udp_counters(sock).tx_datagrams, 1u);
}

TEST_F(InterfaceUdp, FullReceiveQueueDropsAndCounts) {
  auto config = default_config();
  config.udp_receive_queue_depth = 2;
  make(config);
  const int sock = iface->udp_bind({{}, 7});
  for (int i = 0; i < 3; ++i) receive(at_ms(0), hello_frame());
  EXPECT_EQ(iface->udp_queued(sock), 2u);
  EXPECT_EQ(iface->udp_counters(sock).rx_dropped_queue_full, 1u);
  EXPECT_EQ(counters().drop_socket_queue_full, 1u);
  EXPECT_EQ(io.available(), io.capacity() - 2);
  iface->udp_close(sock);
  EXPECT_TRUE(io.pool_full()) << "close releases queued frames";
}

TEST_F(InterfaceUdp, BindRulesAndEphemeralPorts) {
  auto config = default_config();
  config.udp_socket_count = 3;
  make(config);
  const int a = iface->udp_bind({{}, 7});
  EXPECT_EQ(iface->udp_bind({host_ip, 7}), -EADDRINUSE);
  EXPECT_EQ(iface->udp_bind({peer_ip, 8}), -EADDRNOTAVAIL);
  const int b = iface->udp_bind({{}, 0});
  const int c = iface->udp_bind({host_ip, 0});
  ASSERT_GE(b, 0);
  ASSERT_GE(c, 0);
  EXPECT_EQ(iface->udp_bind({{}, 9}), -EMFILE);
  for (int id : {b, c}) {
    EXPECT_GE(iface->udp_local(id).port, 49152);
  }
  EXPECT_NE(iface->udp_local(b).port, iface->udp_local(c).port);
  EXPECT_EQ(iface->udp_local(c).address, host_ip);
  iface->udp_close(a);
  EXPECT_EQ(iface->udp_local(a), socket::Endpoint{});
  EXPECT_EQ(iface->udp_bind({{}, 7}), a) << "port and id are free again";
}

TEST_F(InterfaceUdp, SocketBoundToOurAddressIgnoresBroadcasts) {
  const int sock = iface->udp_bind({host_ip, 7});
  IpFields ip;
  ip.destination = wire::Ipv4Address::from_octets(198, 18, 0, 255);
  receive(at_ms(0), udp_frame(40000, 7, {1}, ip, wire::MacAddress::broadcast()));
  EXPECT_EQ(iface->udp_queued(sock), 0u);
  EXPECT_EQ(counters().drop_no_socket, 1u);
  receive(at_ms(0), udp_frame(40000, 7, {1}));
  EXPECT_EQ(iface->udp_queued(sock), 1u);
}

TEST_F(InterfaceUdp, ConnectedSocketAcceptsOnlyItsPeerAndSendsToIt) {
  auto config = default_config();
  config.static_arp = {{peer_ip, peer_mac}};
  make(config);
  const int sock = iface->udp_bind({{}, 7});
  const Bytes payload = {9};
  EXPECT_EQ(iface->udp_send(at_ms(0), sock, payload), -EDESTADDRREQ);
  ASSERT_EQ(iface->udp_connect(sock, {peer_ip, 5353}), 0);
  receive(at_ms(0), udp_frame(40000, 7, {1}));
  EXPECT_EQ(iface->udp_queued(sock), 0u) << "wrong source port";
  EXPECT_EQ(io.pop_sent()[34], 3) << "treated as no socket: port unreachable";
  receive(at_ms(0), udp_frame(5353, 7, {1}));
  EXPECT_EQ(iface->udp_queued(sock), 1u);
  ASSERT_EQ(iface->udp_send(at_ms(0), sock, payload), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 5353, payload, first_ip_id + 1));
  ASSERT_EQ(iface->udp_connect(sock, {{}, 0}), 0);
  EXPECT_EQ(iface->udp_send(at_ms(0), sock, payload), -EDESTADDRREQ);
  EXPECT_EQ(iface->udp_connect(99, {peer_ip, 1}), -EBADF);
}

TEST_F(InterfaceUdp, SendErrorsAreReturnedAndCounted) {
  auto config = default_config();
  config.static_arp = {{peer_ip, peer_mac}};
  make(config);
  const int sock = iface->udp_bind({{}, 7});
  const Bytes max_payload(1472, 0xab);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), 42, {peer_ip, 9}, max_payload), -EBADF);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 0}, max_payload), -EINVAL);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {{}, 9}, max_payload), -EINVAL);
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, Bytes(1473, 0)), -EMSGSIZE);
  io.fail_allocations = true;
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, max_payload), -ENOBUFS);
  EXPECT_EQ(counters().tx_alloc_failures, 1u);
  io.fail_allocations = false;
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, max_payload), 0);
  EXPECT_EQ(io.pop_sent().size(), 14u + 1500);
  EXPECT_EQ(iface->udp_counters(sock).tx_errors, 4u);
  EXPECT_EQ(iface->udp_counters(sock).tx_datagrams, 1u);
  EXPECT_EQ(iface->udp_counters(sock).tx_bytes, 1472u);
}

TEST_F(InterfaceUdp, SendToOurOwnAddressLoopsBack) {
  const int a = iface->udp_bind({{}, 1000});
  const int b = iface->udp_bind({{}, 2000});
  ASSERT_EQ(iface->udp_send_to(at_ms(0), a, {host_ip, 2000}, Bytes{4, 5, 6}), 0);
  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(b, datagram));
  EXPECT_EQ(Bytes(datagram.payload.begin(), datagram.payload.end()), (Bytes{4, 5, 6}));
  EXPECT_EQ(datagram.from, (socket::Endpoint{host_ip, 1000}));
  iface->release(datagram);

  ASSERT_EQ(iface->udp_send_to(at_ms(1), a, {host_ip, 2000}, Bytes{7}), 0);
  ASSERT_TRUE(iface->udp_receive(b, datagram));
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(1), std::move(datagram), 1), 0);
  ASSERT_TRUE(iface->udp_receive(a, datagram)) << "the in-place reply loops back too";
  EXPECT_EQ(datagram.from, (socket::Endpoint{host_ip, 2000}));
  iface->release(datagram);

  ASSERT_EQ(iface->udp_send_to(at_ms(2), a, {host_ip, 3000}, Bytes{7}), 0);
  EXPECT_EQ(counters().drop_no_socket, 1u);
  EXPECT_EQ(counters().icmp_port_unreachable_sent, 0u) << "no ICMP errors about looped-back datagrams";
  EXPECT_EQ(counters().tx_frames, 0u) << "nothing went to the device";
}

TEST_F(InterfaceUdp, EmptyDatagramsTravelBothWays) {
  auto config = default_config();
  config.static_arp = {{peer_ip, peer_mac}};
  make(config);
  const int sock = iface->udp_bind({{}, 7});
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {peer_ip, 9}, {}), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 9, {}));
  receive(at_ms(0), udp_frame(40000, 7, {}));
  socket::UdpDatagram datagram;
  ASSERT_TRUE(iface->udp_receive(sock, datagram));
  EXPECT_TRUE(datagram.payload.empty());
  ASSERT_EQ(iface->udp_reply_in_place(at_ms(0), std::move(datagram), 0), 0);
  EXPECT_EQ(io.pop_sent(), expected_reply(7, 40000, {}, first_ip_id + 1));
}
