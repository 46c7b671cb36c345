// The LibOS core over each backend in turn, the sim stack and the kernel's (io_uring sockets on
// loopback): byte-exact TCP both ways, close with pushes in flight, UDP with the sender's address,
// a wait that times out, a refused connect, a reset, and EBADF paths. What only one backend does
// is in libos_sim_test.cpp and libos_kernel_test.cpp.
#include <netinet/in.h>
#include <sys/socket.h>

#include "libos/libos_fixture.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

using LibosPairTest = EachBackendPair;

TEST_P(LibosPairTest, TcpMultiSegmentPushArrivesByteExactBothWays) {
  const std::uint16_t port = this->port(0);
  auto [client, server] = connect_tcp(port);

  // 10000 bytes in one sga: three segments of the 4096-byte buffers.
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(10000, sga), 0);
  ASSERT_EQ(sga.numsegs, 3u);
  EXPECT_EQ(sga.segs[2].len, 10000u - 2 * 4096);
  fill(sga, 1);
  const sl_qresult_t pushed = wait(*a, a->push(client, sga));
  EXPECT_EQ(pushed.opcode, SL_OPC_PUSH);
  EXPECT_EQ(pushed.ret, 0);
  EXPECT_EQ(pushed.value.sga.handle, sga.handle);  // the same buffer, the app's again
  EXPECT_EQ(a->sga_free(sga), 0);

  const std::vector<std::uint8_t> got = receive(*b, server, 10000);
  ASSERT_EQ(got.size(), 10000u);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], pattern(1, i)) << "byte " << i;

  // And back, in several pushes in flight at once: they complete in order and arrive in order.
  sl_sga_t parts[3];
  sl_qtoken_t tokens[3];
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(b->sga_alloc(3000, parts[i]), 0);
    fill(parts[i], 2, static_cast<std::size_t>(i) * 3000);
    tokens[i] = b->push(server, parts[i]);
    ASSERT_GT(tokens[i], 0);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(wait(*b, tokens[i]).ret, 0);
    EXPECT_EQ(b->sga_free(parts[i]), 0);
  }
  const std::vector<std::uint8_t> back = receive(*a, client, 9000);
  ASSERT_EQ(back.size(), 9000u);
  for (std::size_t i = 0; i < back.size(); ++i) ASSERT_EQ(back[i], pattern(2, i)) << "byte " << i;

  // Names: each side sees the other.
  libos::Endpoint peer;
  ASSERT_EQ(b->peer_endpoint(server, peer), 0);
  EXPECT_EQ(peer.address, endpoint(a_address.c_str(), 0).address);
  libos::Endpoint local;
  ASSERT_EQ(a->local_endpoint(client, local), 0);
  EXPECT_EQ(local.port, peer.port);
  EXPECT_NE(local.port, 0);
  ASSERT_EQ(a->peer_endpoint(client, peer), 0);
  EXPECT_EQ(peer.port, port);

  // The client closes: the server's next pop is the end of the stream (no segments).
  EXPECT_EQ(a->close(client), 0);
  const sl_qresult_t end = wait(*b, b->pop(server));
  EXPECT_EQ(end.ret, 0);
  EXPECT_EQ(end.value.sga.numsegs, 0u);
  EXPECT_EQ(b->close(server), 0);
  EXPECT_EQ(a->buffers().available(), a->buffers().capacity());
  EXPECT_EQ(b->buffers().available(), b->buffers().capacity());
}

TEST_P(LibosPairTest, CloseLetsPushesInFlightFinishThenEndsTheStream) {
  auto [client, server] = connect_tcp(port(1));
  // Far more than the 64 KiB send buffer: most of it is still waiting in the pushes at close.
  constexpr std::size_t kPushes = 8;
  constexpr std::size_t kEach = 8 * 4096;
  sl_qtoken_t tokens[kPushes];
  sl_sga_t sgas[kPushes];
  for (std::size_t i = 0; i < kPushes; ++i) {
    ASSERT_EQ(a->sga_alloc(kEach, sgas[i]), 0);
    fill(sgas[i], 4, i * kEach);
    tokens[i] = a->push(client, sgas[i]);
    ASSERT_GT(tokens[i], 0);
  }
  ASSERT_EQ(a->close(client), 0);
  EXPECT_EQ(a->pop(client), -EBADF);
  const std::vector<std::uint8_t> got = receive(*b, server, kPushes * kEach);
  ASSERT_EQ(got.size(), kPushes * kEach);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], pattern(4, i)) << "byte " << i;
  EXPECT_EQ(wait(*b, b->pop(server)).value.sga.numsegs, 0u);  // then FIN
  for (std::size_t i = 0; i < kPushes; ++i) {
    EXPECT_EQ(wait(*a, tokens[i]).ret, 0);
    EXPECT_EQ(a->sga_free(sgas[i]), 0);
  }
  EXPECT_EQ(a->queues_in_use(), 0u);  // the closing queue went away once its pushes were done
  EXPECT_EQ(b->close(server), 0);
}

TEST_P(LibosPairTest, UdpPushtoAndPopCarryTheSender) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, port(3)}), 0);
  const int client = a->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(a->bind(client, {{}, port(4)}), 0);
  const sl_qtoken_t popped = b->pop(server);

  // On the kernel's loopback the datagram spans two segments, gathered into one datagram.
  const std::size_t size = largest_datagram();
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(size, sga), 0);
  ASSERT_EQ(sga.numsegs, (size + 4095) / 4096);
  fill(sga, 3);
  const sl_qresult_t sent = wait(*a, a->push_to(client, sga, b_endpoint(3)));
  EXPECT_EQ(sent.opcode, SL_OPC_PUSHTO);
  EXPECT_EQ(sent.ret, 0);
  EXPECT_EQ(a->sga_free(sga), 0);

  sl_qresult_t got = wait(*b, popped);
  ASSERT_EQ(got.ret, 0);
  EXPECT_EQ(got.opcode, SL_OPC_POP);
  EXPECT_EQ(ntohs(got.value.sga.addr.sin_port), port(4));
  EXPECT_EQ(ntohl(got.value.sga.addr.sin_addr.s_addr), endpoint(a_address.c_str(), 0).address.value);
  std::vector<std::uint8_t> bytes;
  append(bytes, got.value.sga);
  ASSERT_EQ(bytes.size(), size);
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], pattern(3, i)) << "byte " << i;

  // Echo the popped buffer itself back to its sender.
  const sl_qtoken_t next = b->pop(server);
  const libos::Endpoint sender{wire::Ipv4Address{ntohl(got.value.sga.addr.sin_addr.s_addr)}, ntohs(got.value.sga.addr.sin_port)};
  EXPECT_EQ(wait(*b, b->push_to(server, got.value.sga, sender)).ret, 0);
  EXPECT_EQ(b->sga_free(got.value.sga), 0);
  std::vector<std::uint8_t> echoed;
  sl_qresult_t back = wait(*a, a->pop(client));
  append(echoed, back.value.sga);
  EXPECT_EQ(echoed, bytes);
  EXPECT_EQ(a->sga_free(back.value.sga), 0);
  EXPECT_EQ(b->close(server), 0);
  // Closing completes the pending pop as cancelled.
  sl_qresult_t cancelled{};
  ASSERT_EQ(b->wait(next, cancelled, kLong), 0);
  EXPECT_EQ(cancelled.ret, -ECANCELED);
}

TEST_P(LibosPairTest, WaitTimesOutAndTheOperationStaysPending) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, port(5)}), 0);
  const sl_qtoken_t pop = b->pop(server);
  sl_qresult_t result{};
  EXPECT_EQ(b->wait(pop, result, Duration::millis(20)), -ETIMEDOUT);
  EXPECT_EQ(b->wait(pop, result, Duration{}), -ETIMEDOUT);
  const int sender = a->socket(AF_INET, SOCK_DGRAM, 0);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(5, sga), 0);
  EXPECT_EQ(wait(*a, a->push_to(sender, sga, b_endpoint(5))).ret, 0);
  ASSERT_EQ(b->wait(pop, result, kLong), 0);
  EXPECT_EQ(result.ret, 0);
  EXPECT_EQ(result.value.sga.segs[0].len, 5u);
  EXPECT_EQ(b->sga_free(result.value.sga), 0);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_P(LibosPairTest, ConnectToAClosedPortIsRefused) {
  const std::uint16_t closed = refusing_port();
  const int client = a->socket(AF_INET, SOCK_STREAM, 0);
  const sl_qresult_t result = wait(*a, a->connect(client, endpoint(b_address.c_str(), closed)));
  EXPECT_EQ(result.opcode, SL_OPC_CONNECT);
  EXPECT_EQ(result.ret, -ECONNREFUSED);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(10, sga), 0);
  EXPECT_EQ(a->close(client), 0);
  EXPECT_EQ(a->push(client, sga), -EBADF);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_P(LibosPairTest, LingerZeroResetsThePeer) {
  auto [client, server] = connect_tcp(port(2));
  const struct linger reset_on_close{1, 0};
  ASSERT_EQ(a->set_option(client, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close), 0);
  ASSERT_EQ(a->close(client), 0);
  const sl_qresult_t popped = wait(*b, b->pop(server));
  EXPECT_EQ(popped.ret, -ECONNRESET);
  EXPECT_EQ(b->close(server), 0);
}

TEST_P(LibosPairTest, InvalidAndClosedQueueDescriptorsAreEbadf) {
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(10, sga), 0);
  EXPECT_EQ(a->close(12345), -EBADF);
  EXPECT_EQ(a->pop(-1), -EBADF);
  EXPECT_EQ(a->push(7, sga), -EBADF);
  EXPECT_EQ(a->accept(99), -EBADF);
  const int qd = a->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(qd, 0);
  EXPECT_EQ(a->push(qd, sga), -ENOTCONN);  // not connected yet
  EXPECT_EQ(a->close(qd), 0);
  EXPECT_EQ(a->close(qd), -EBADF);
  EXPECT_EQ(a->push(qd, sga), -EBADF);  // push on a closed queue
  // A UDP queue closed with a datagram still queued in the provider gives the buffer back.
  const int udp = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(udp, {{}, port(6)}), 0);
  const int sender = a->socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(wait(*a, a->push_to(sender, sga, b_endpoint(6))).ret, 0);
  for (int i = 0; i < 20; ++i) b->poll(0);
  EXPECT_EQ(b->close(udp), 0);
  EXPECT_EQ(b->pop(udp), -EBADF);
  EXPECT_EQ(a->sga_free(sga), 0);
  EXPECT_EQ(b->buffers().available(), b->buffers().capacity());
}

INSTANTIATE_TEST_SUITE_P(EachBackend, LibosPairTest, ::testing::Values(Backend::kSim, Backend::kKernel), backend_param_name);

}  // namespace
