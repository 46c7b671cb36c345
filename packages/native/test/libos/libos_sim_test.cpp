// The LibOS core over two simulated hosts: TCP and UDP byte-exact, the wait calls, and every
// error path the C API documents (invalid qd, stale qtoken, double free, push on a closed qd).
#include <netinet/tcp.h>

#include "libos/libos_fixture.hpp"
#include "libos/stack_provider.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

using LibosSim = SimPair;

TEST_F(LibosSim, TcpMultiSegmentPushArrivesByteExactBothWays) {
  auto [client, server] = connect_tcp(5000);

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

  // And back, in several pushes in flight at once: they complete in order.
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
  EXPECT_EQ(peer.address, endpoint("198.18.0.1", 0).address);
  libos::Endpoint local;
  ASSERT_EQ(a->local_endpoint(client, local), 0);
  EXPECT_EQ(local.port, peer.port);
  ASSERT_EQ(a->peer_endpoint(client, peer), 0);
  EXPECT_EQ(peer.port, 5000);

  // The client closes: the server's next pop is the end of the stream (no segments).
  EXPECT_EQ(a->close(client), 0);
  const sl_qresult_t end = wait(*b, b->pop(server));
  EXPECT_EQ(end.ret, 0);
  EXPECT_EQ(end.value.sga.numsegs, 0u);
  EXPECT_EQ(b->close(server), 0);
  EXPECT_EQ(a->buffers().available(), a->buffers().capacity());
  EXPECT_EQ(b->buffers().available(), b->buffers().capacity());
}

TEST_F(LibosSim, CloseLetsPushesInFlightFinishThenEndsTheStream) {
  auto [client, server] = connect_tcp(5003);
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

TEST_F(LibosSim, UdpPushtoAndPopCarryTheSender) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, 7000}), 0);
  const int client = a->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(a->bind(client, {{}, 6000}), 0);
  const sl_qtoken_t popped = b->pop(server);

  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(1200, sga), 0);
  fill(sga, 3);
  const sl_qresult_t sent = wait(*a, a->push_to(client, sga, endpoint("198.18.0.2", 7000)));
  EXPECT_EQ(sent.opcode, SL_OPC_PUSHTO);
  EXPECT_EQ(sent.ret, 0);
  EXPECT_EQ(a->sga_free(sga), 0);

  sl_qresult_t got = wait(*b, popped);
  ASSERT_EQ(got.ret, 0);
  EXPECT_EQ(got.opcode, SL_OPC_POP);
  EXPECT_EQ(ntohs(got.value.sga.addr.sin_port), 6000);
  EXPECT_EQ(ntohl(got.value.sga.addr.sin_addr.s_addr), endpoint("198.18.0.1", 0).address.value);
  std::vector<std::uint8_t> bytes;
  append(bytes, got.value.sga);
  ASSERT_EQ(bytes.size(), 1200u);
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], pattern(3, i));

  // Echo the popped buffer itself back to its sender.
  const sl_qtoken_t reply = b->pop(server);
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
  ASSERT_EQ(b->wait(reply, cancelled, kLong), 0);
  EXPECT_EQ(cancelled.ret, -ECANCELED);
}

TEST_F(LibosSim, WaitAnyReturnsTheOperationThatCompleted) {
  const int first = b->socket(AF_INET, SOCK_DGRAM, 0);
  const int second = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(first, {{}, 7001}), 0);
  ASSERT_EQ(b->bind(second, {{}, 7002}), 0);
  const sl_qtoken_t tokens[2] = {b->pop(first), b->pop(second)};
  const int sender = a->socket(AF_INET, SOCK_DGRAM, 0);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(10, sga), 0);
  EXPECT_EQ(wait(*a, a->push_to(sender, sga, endpoint("198.18.0.2", 7002))).ret, 0);
  sl_qresult_t result{};
  int index = -1;
  ASSERT_EQ(b->wait_any(tokens, result, index, kLong), 0);
  EXPECT_EQ(index, 1);
  EXPECT_EQ(result.qt, tokens[1]);
  EXPECT_EQ(result.qd, second);
  EXPECT_EQ(b->sga_free(result.value.sga), 0);
  // The other one is still pending, and a consumed token is refused.
  EXPECT_EQ(b->wait_any(tokens, result, index, Duration{}), -EINVAL);
  EXPECT_EQ(b->wait(tokens[0], result, Duration::millis(5)), -ETIMEDOUT);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_F(LibosSim, WaitNextNCollectsInCompletionOrder) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, 7003}), 0);
  sl_qtoken_t pops[3];
  for (auto& pop : pops) pop = b->pop(server);
  const int sender = a->socket(AF_INET, SOCK_DGRAM, 0);
  for (std::uint32_t i = 0; i < 3; ++i) {
    sl_sga_t sga{};
    ASSERT_EQ(a->sga_alloc(100 + i, sga), 0);
    EXPECT_EQ(wait(*a, a->push_to(sender, sga, endpoint("198.18.0.2", 7003))).ret, 0);
    EXPECT_EQ(a->sga_free(sga), 0);
  }
  sl_qresult_t results[4];
  std::size_t collected = 0;
  while (collected < 3) {
    const int n = b->wait_next_n({results + collected, 4 - collected}, kLong);
    ASSERT_GT(n, 0);
    collected += static_cast<std::size_t>(n);
  }
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].qt, pops[i]);  // pops on one queue complete in the order issued
    EXPECT_EQ(results[i].value.sga.segs[0].len, 100 + i);
    EXPECT_EQ(b->sga_free(results[i].value.sga), 0);
  }
  EXPECT_EQ(b->wait_next_n({results, 4}, Duration::millis(1)), -ETIMEDOUT);
}

TEST_F(LibosSim, WaitTimesOutAndTheOperationStaysPending) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, 7004}), 0);
  const sl_qtoken_t pop = b->pop(server);
  sl_qresult_t result{};
  EXPECT_EQ(b->wait(pop, result, Duration::millis(20)), -ETIMEDOUT);
  EXPECT_EQ(b->wait(pop, result, Duration{}), -ETIMEDOUT);
  // Waiting forever with nothing in flight anywhere could never end: the simulation says so.
  EXPECT_EQ(b->wait(pop, result, libos::LibOS::kForever), -EDEADLK);
  const int sender = a->socket(AF_INET, SOCK_DGRAM, 0);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(5, sga), 0);
  EXPECT_EQ(wait(*a, a->push_to(sender, sga, endpoint("198.18.0.2", 7004))).ret, 0);
  ASSERT_EQ(b->wait(pop, result, kLong), 0);
  EXPECT_EQ(result.ret, 0);
  EXPECT_EQ(b->sga_free(result.value.sga), 0);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_F(LibosSim, InvalidAndClosedQueueDescriptorsAreEbadf) {
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(10, sga), 0);
  EXPECT_EQ(a->close(12345), -EBADF);
  EXPECT_EQ(a->pop(-1), -EBADF);
  EXPECT_EQ(a->push(7, sga), -EBADF);
  EXPECT_EQ(a->accept(99), -EBADF);
  const int qd = a->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(qd, 0);
  EXPECT_EQ(a->push(qd, sga), -ENOTCONN);  // not connected yet
  EXPECT_EQ(a->listen(qd, 8), -EDESTADDRREQ);
  EXPECT_EQ(a->close(qd), 0);
  EXPECT_EQ(a->close(qd), -EBADF);
  EXPECT_EQ(a->push(qd, sga), -EBADF);  // push on a closed queue
  // The slot is reused, but the old qd stays invalid: generations differ.
  const int again = a->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_NE(again, qd);
  EXPECT_EQ(again & 0xffff, qd & 0xffff);
  EXPECT_EQ(a->pop(qd), -EBADF);
  EXPECT_EQ(a->socket(AF_INET6, SOCK_STREAM, 0), -EAFNOSUPPORT);
  EXPECT_EQ(a->socket(AF_INET, SOCK_RAW, 0), -EPROTONOSUPPORT);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_F(LibosSim, PushOnAConnectionClosedMeanwhileIsRefused) {
  auto [client, server] = connect_tcp(5001);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(100, sga), 0);
  ASSERT_EQ(a->close(client), 0);
  EXPECT_EQ(a->push(client, sga), -EBADF);
  // The peer sees the end of the stream, closes, and its qd is gone too.
  EXPECT_EQ(wait(*b, b->pop(server)).value.sga.numsegs, 0u);
  EXPECT_EQ(b->close(server), 0);
  EXPECT_EQ(b->push(server, sga), -EBADF);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_F(LibosSim, BufferDoubleFreeAndUseAfterFreeAreRefused) {
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(5000, sga), 0);
  const sl_sga_t copy = sga;
  EXPECT_EQ(a->sga_free(sga), 0);
  EXPECT_EQ(sga.handle, 0u);
  sl_sga_t again = copy;
  EXPECT_EQ(a->sga_free(again), -EALREADY);
  // The buffer is handed out again: the stale copy still cannot free or push the new owner's.
  sl_sga_t reused{};
  ASSERT_EQ(a->sga_alloc(100, reused), 0);
  again = copy;
  EXPECT_EQ(a->sga_free(again), -EALREADY);
  const int udp = a->socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(a->push_to(udp, copy, endpoint("198.18.0.2", 9)), -EINVAL);
  sl_sga_t forged = reused;
  forged.handle = 0xdead'0000'0042;
  EXPECT_EQ(a->sga_free(forged), -EINVAL);
  // A segment moved outside its buffer is refused instead of read.
  sl_sga_t stretched = reused;
  stretched.segs[0].len = 5000;
  EXPECT_EQ(a->push_to(udp, stretched, endpoint("198.18.0.2", 9)), -EMSGSIZE);
  EXPECT_EQ(a->sga_free(reused), 0);
  EXPECT_EQ(a->sga_alloc(0, reused), -EINVAL);
  EXPECT_EQ(a->sga_alloc(9 * 4096, reused), -EMSGSIZE);
  EXPECT_EQ(a->buffers().available(), a->buffers().capacity());
}

TEST_F(LibosSim, StaleAndForgedQtokensAreRefused) {
  const int udp = a->socket(AF_INET, SOCK_DGRAM, 0);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(10, sga), 0);
  const sl_qtoken_t qt = a->push_to(udp, sga, endpoint("198.18.0.2", 9));
  sl_qresult_t result{};
  ASSERT_EQ(a->wait(qt, result, kLong), 0);
  EXPECT_EQ(a->wait(qt, result, kLong), -EINVAL);  // consumed already
  EXPECT_EQ(a->wait(0, result, kLong), -EINVAL);
  EXPECT_EQ(a->wait(-5, result, kLong), -EINVAL);
  EXPECT_EQ(a->wait(qt + 1, result, kLong), -EINVAL);
  // The slot is reused by the next operation under a new generation: the old token stays stale.
  const sl_qtoken_t next = a->push_to(udp, sga, endpoint("198.18.0.2", 9));
  EXPECT_NE(next, qt);
  EXPECT_EQ(a->wait(qt, result, kLong), -EINVAL);
  EXPECT_EQ(a->wait(next, result, kLong), 0);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_F(LibosSim, SocketOptionsRoundTrip) {
  const int qd = a->socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  std::uint32_t len = sizeof on;
  EXPECT_EQ(a->set_option(qd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), 0);
  int value = 0;
  EXPECT_EQ(a->get_option(qd, IPPROTO_TCP, TCP_NODELAY, &value, &len), 0);
  EXPECT_EQ(value, 1);
  EXPECT_EQ(a->set_option(qd, IPPROTO_TCP, TCP_CONGESTION, "newreno", 8), 0);
  char name[16] = {};
  len = sizeof name;
  EXPECT_EQ(a->get_option(qd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
  EXPECT_STREQ(name, "newreno");
  EXPECT_EQ(a->set_option(qd, IPPROTO_TCP, TCP_CONGESTION, "vegas", 6), -ENOENT);
  const struct linger reset_on_close{1, 0};
  EXPECT_EQ(a->set_option(qd, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close), 0);
  struct linger l{};
  len = sizeof l;
  EXPECT_EQ(a->get_option(qd, SOL_SOCKET, SO_LINGER, &l, &len), 0);
  EXPECT_EQ(l.l_onoff, 1);
  EXPECT_EQ(l.l_linger, 0);
  len = sizeof value;
  EXPECT_EQ(a->get_option(qd, SOL_SOCKET, SO_SNDBUF, &value, &len), 0);
  EXPECT_EQ(value, 65536);
  EXPECT_EQ(a->set_option(qd, SOL_SOCKET, SO_SNDBUF, &value, sizeof value), -EOPNOTSUPP);
  EXPECT_EQ(a->set_option(qd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on), 0);
  EXPECT_EQ(a->set_option(qd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on), 0);
  EXPECT_EQ(a->set_option(qd, SOL_SOCKET, 9999, &on, sizeof on), -ENOPROTOOPT);
  EXPECT_EQ(a->set_option(12345, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on), -EBADF);
}

TEST_F(LibosSim, LingerZeroResetsThePeer) {
  auto [client, server] = connect_tcp(5002);
  const struct linger reset_on_close{1, 0};
  ASSERT_EQ(a->set_option(client, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close), 0);
  ASSERT_EQ(a->close(client), 0);
  const sl_qresult_t popped = wait(*b, b->pop(server));
  EXPECT_EQ(popped.ret, -ECONNRESET);
  EXPECT_EQ(b->close(server), 0);
}

TEST_F(LibosSim, AListenerPortIsReusableWhileItsConnectionsAreInTimeWait) {
  auto [client, server] = connect_tcp(5004);
  ASSERT_EQ(b->close(server), 0);  // b closes first: b's side ends in TIME-WAIT
  EXPECT_EQ(wait(*a, a->pop(client)).value.sga.numsegs, 0u);
  ASSERT_EQ(a->close(client), 0);
  for (int i = 0; i < 20; ++i) {
    b->poll(0);
    a->poll(0);
  }
  const auto& stack = static_cast<libos::StackProvider&>(b->provider()).instance().interface();
  EXPECT_EQ(stack.tcp_connections_in_use(), 1u);  // b's TIME-WAIT
  ASSERT_EQ(b->close(listener), 0);
  const int again = b->socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  ASSERT_EQ(b->set_option(again, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on), 0);
  ASSERT_EQ(b->bind(again, {{}, 5004}), 0);
  EXPECT_EQ(b->listen(again, 4), 0);
}

TEST_F(LibosSim, ConnectToAClosedPortIsRefused) {
  const int client = a->socket(AF_INET, SOCK_STREAM, 0);
  const sl_qresult_t result = wait(*a, a->connect(client, endpoint("198.18.0.2", 4444)));
  EXPECT_EQ(result.opcode, SL_OPC_CONNECT);
  EXPECT_EQ(result.ret, -ECONNREFUSED);
}

}  // namespace

namespace {

// Small buffers, so one datagram spans several segments both ways: a pushto gathers them, a pop
// scatters the datagram over as many buffers as it needs.
TEST(LibosSimSmallBuffers, UdpDatagramsSpanSeveralSegments) {
  libos::LibosConfig config_a = sim_host("198.18.0.1", "small-buffers");
  libos::LibosConfig config_b = sim_host("198.18.0.2", "small-buffers");
  config_a.libos.buffer_size = config_b.libos.buffer_size = 512;
  // Pool buffers only: with zero-copy on, a 1400-byte datagram would stay in one device frame.
  config_a.libos.frame_budget = config_b.libos.frame_budget = 0;
  auto a = libos::open_libos(config_a);
  auto b = libos::open_libos(config_b);
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, 7200}), 0);
  const sl_qtoken_t pop = b->pop(server);
  const int client = a->socket(AF_INET, SOCK_DGRAM, 0);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(1400, sga), 0);
  ASSERT_EQ(sga.numsegs, 3u);
  fill(sga, 5);
  sl_qresult_t result{};
  ASSERT_EQ(a->wait(a->push_to(client, sga, endpoint("198.18.0.2", 7200)), result, kLong), 0);
  EXPECT_EQ(result.ret, 0);
  ASSERT_EQ(b->wait(pop, result, kLong), 0);
  ASSERT_EQ(result.ret, 0);
  ASSERT_EQ(result.value.sga.numsegs, 3u);
  EXPECT_EQ(result.value.sga.segs[2].len, 1400u - 2 * 512);
  std::vector<std::uint8_t> bytes;
  append(bytes, result.value.sga);
  ASSERT_EQ(bytes.size(), 1400u);
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], pattern(5, i)) << "byte " << i;
  EXPECT_EQ(b->sga_free(result.value.sga), 0);
  EXPECT_EQ(a->sga_free(sga), 0);
}

}  // namespace
