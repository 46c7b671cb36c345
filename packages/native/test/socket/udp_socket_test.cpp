#include <gtest/gtest.h>

#include <set>

#include "socket/udp_socket.hpp"

using namespace sluice;
using socket::DatagramRing;
using socket::UdpDatagram;
using socket::UdpSocketTable;

namespace {
const wire::Ipv4Address local = wire::Ipv4Address::from_octets(198, 18, 0, 1);
}

TEST(DatagramRing, IsAFifoOfFixedCapacityThatWrapsAround) {
  DatagramRing ring;
  ring.reset(3);
  for (std::uint64_t round = 0; round < 5; ++round) {
    for (std::uint64_t i = 0; i < 3; ++i) {
      UdpDatagram d;
      d.frame.handle = round * 10 + i;
      ASSERT_TRUE(ring.push(d));
    }
    EXPECT_TRUE(ring.full());
    EXPECT_FALSE(ring.push(UdpDatagram{}));
    UdpDatagram out;
    ASSERT_TRUE(ring.pop(out));
    EXPECT_EQ(out.frame.handle, round * 10);
    ASSERT_TRUE(ring.pop(out));
    ASSERT_TRUE(ring.pop(out));
    EXPECT_EQ(out.frame.handle, round * 10 + 2);
    EXPECT_FALSE(ring.pop(out));
    // Leave the head in a different place each round.
    ASSERT_TRUE(ring.push(UdpDatagram{}));
    ASSERT_TRUE(ring.pop(out));
  }
}

TEST(UdpSocketTable, PortIndexFindsTheBoundSocket) {
  UdpSocketTable table(4, 8, 0);
  const int id = table.bind({{}, 53}, local);
  ASSERT_EQ(id, 0);
  ASSERT_NE(table.by_port(53), nullptr);
  EXPECT_EQ(table.id_of(*table.by_port(53)), id);
  EXPECT_EQ(table.by_port(54), nullptr);
  EXPECT_EQ(table.get(id)->queue.capacity(), 8u);
  table.close(id);
  EXPECT_EQ(table.by_port(53), nullptr);
  EXPECT_EQ(table.get(id), nullptr);
}

TEST(UdpSocketTable, EphemeralPortsAreDistinctSeededAndWrap) {
  UdpSocketTable table(8, 1, 16383);  // cursor starts at 65535
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    const int id = table.bind({{}, 0}, local);
    ASSERT_GE(id, 0);
    ports.insert(table.get(id)->local.port);
  }
  EXPECT_EQ(ports, (std::set<std::uint16_t>{49152, 49153, 65535}));
  ASSERT_GE(table.bind({{}, 49154}, local), 0);
  const int next = table.bind({{}, 0}, local);
  EXPECT_EQ(table.get(next)->local.port, 49155) << "ports in use are skipped";
}

TEST(UdpSocketTable, GenerationChangesOnEveryBind) {
  UdpSocketTable table(1, 1, 0);
  const int first = table.bind({{}, 1}, local);
  const std::uint32_t generation = table.get(first)->generation;
  table.close(first);
  const int second = table.bind({{}, 2}, local);
  EXPECT_EQ(second, first);
  EXPECT_NE(table.get(second)->generation, generation);
}

TEST(UdpSocket, AcceptsByAddressAndConnectedPeer) {
  socket::UdpSocket socket;
  socket.open = true;
  socket.local = {{}, 7};
  const socket::Endpoint peer{wire::Ipv4Address::from_octets(198, 18, 0, 2), 4000};
  EXPECT_TRUE(socket.accepts(peer, wire::Ipv4Address::broadcast()));
  socket.local.address = local;
  EXPECT_FALSE(socket.accepts(peer, wire::Ipv4Address::broadcast()));
  EXPECT_TRUE(socket.accepts(peer, local));
  socket.remote = peer;
  EXPECT_FALSE(socket.accepts({peer.address, 4001}, local));
  EXPECT_TRUE(socket.accepts(peer, local));
}
