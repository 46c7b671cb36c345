#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "socket/tcp/connection_fixture.hpp"
#include "socket/tcp/connection_table.hpp"

using namespace sluice;
using namespace sluice::socket::tcp;

namespace {
const wire::Ipv4Address local = wire::Ipv4Address::from_octets(198, 18, 0, 1);
const wire::Ipv4Address remote = wire::Ipv4Address::from_octets(198, 18, 0, 2);

FourTuple tuple(std::uint16_t local_port, std::uint16_t remote_port) {
  return {{local, local_port}, {remote, remote_port}};
}

TcpConfig small() {
  TcpConfig config;
  config.send_buffer = 4096;
  config.receive_buffer = 4096;
  return config;
}
}  // namespace

TEST(ConnectionTable, FindsEveryTupleThroughCollisionsAndDeletions) {
  const TcpConfig tcp = small();
  sluice::testing::RecordingSink sink;
  ConnectionTable table({.connections = 64, .listeners = 2, .buffer_pairs = 64}, tcp, sink, 7);
  EXPECT_EQ(table.open(tuple(80, 999), 0), -ENOBUFS) << "no memory before the budget is reserved";
  table.reserve_buffers();
  std::vector<int> ids;
  for (std::uint16_t i = 0; i < 64; ++i) ids.push_back(table.open(tuple(80, static_cast<std::uint16_t>(1000 + i)), 0));
  for (std::uint16_t i = 0; i < 64; ++i) ASSERT_GE(ids[i], 0);
  EXPECT_EQ(table.open(tuple(80, 5000), 0), -EMFILE);
  for (std::uint16_t i = 0; i < 64; i += 3) table.free(ids[i]);  // backward-shift deletions
  for (std::uint16_t i = 0; i < 64; ++i) {
    const int found = table.find(tuple(80, static_cast<std::uint16_t>(1000 + i)));
    EXPECT_EQ(found, i % 3 == 0 ? -1 : ids[i]) << "tuple " << i;
  }
  EXPECT_EQ(table.in_use(), 64u - 22u);
  EXPECT_EQ(table.buffers().available(), 22u);
}

TEST(ConnectionTable, BufferBudgetRefusesBeforeSlotsRunOut) {
  const TcpConfig tcp = small();
  sluice::testing::RecordingSink sink;
  ConnectionTable table({.connections = 4, .listeners = 1, .buffer_pairs = 2}, tcp, sink, 7);
  table.reserve_buffers();
  const int a = table.open(tuple(80, 1), 0);
  ASSERT_GE(table.open(tuple(80, 2), 0), 0);
  EXPECT_EQ(table.open(tuple(80, 3), 0), -ENOBUFS);
  table.release_buffers(a);
  EXPECT_GE(table.open(tuple(80, 3), 0), 0) << "buffers given back are reused";
}

TEST(ConnectionTable, ListenersByPortAndEphemeralPortsAvoidThem) {
  const TcpConfig tcp = small();
  sluice::testing::RecordingSink sink;
  ConnectionTable table({.connections = 4, .listeners = 2}, tcp, sink, 0);
  EXPECT_EQ(table.listen({local, 80}, 0), -EINVAL);
  const int web = table.listen({wire::Ipv4Address{}, 80}, 8);
  ASSERT_GE(web, 0);
  EXPECT_EQ(table.listen({local, 80}, 8), -EADDRINUSE);
  EXPECT_EQ(table.listener_for({local, 80}), web);
  EXPECT_EQ(table.listener_for({local, 81}), -1);
  ASSERT_GE(table.listen({local, 49152}, 8), 0);
  EXPECT_EQ(table.pick_ephemeral_port(local, {remote, 80}), 49153) << "49152 has a listener";
  EXPECT_EQ(table.listen({local, 90}, 8), -EMFILE);
  table.close_listener(web);
  EXPECT_EQ(table.listener_for({local, 80}), -1);
}
