// The LibOS core over two simulated hosts: what the sim pair alone shows (wait_any, wait_next_n,
// deadlock detection, qd generations, stale qtokens, double free, socket options, TIME-WAIT). The
// scenarios every backend shares run on it from libos_pair_test.cpp.
#include <netinet/tcp.h>

#include "libos/libos_fixture.hpp"
#include "libos/stack_provider.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

using LibosSim = SimPair;

TEST_F(LibosSim, ShutdownWriteSendsFinAfterThePushesAndKeepsReceiving) {
  auto [client, server] = connect_tcp(5011);
  sl_sga_t sga;
  ASSERT_EQ(a->sga_alloc(3000, sga), 0);
  fill(sga, 7);
  const sl_qtoken_t pushed = a->push(client, sga);
  ASSERT_GT(pushed, 0);
  EXPECT_EQ(wait(*a, pushed).ret, 0);
  ASSERT_EQ(a->shutdown_write(client), 0);
  const std::vector<std::uint8_t> got = receive(*b, server, 3000);
  ASSERT_EQ(got.size(), 3000u);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], pattern(7, i)) << "byte " << i;
  EXPECT_EQ(wait(*b, b->pop(server)).value.sga.numsegs, 0u);  // the FIN, after the bytes
  // Half-closed: the other direction still carries bytes.
  sl_sga_t reply;
  ASSERT_EQ(b->sga_alloc(500, reply), 0);
  fill(reply, 9);
  EXPECT_EQ(wait(*b, b->push(server, reply)).ret, 0);
  const std::vector<std::uint8_t> back = receive(*a, client, 500);
  ASSERT_EQ(back.size(), 500u);
  EXPECT_EQ(back[499], pattern(9, 499));
  EXPECT_EQ(a->sga_free(sga), 0);
  EXPECT_EQ(b->sga_free(reply), 0);
  EXPECT_EQ(b->shutdown_write(listener), -ENOTCONN);
  EXPECT_EQ(a->close(client), 0);
  EXPECT_EQ(a->shutdown_write(client), -EBADF);
  EXPECT_EQ(b->close(server), 0);
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

TEST_F(LibosSim, WaitingForeverWithNothingInFlightAnywhereIsADeadlock) {
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(b->bind(server, {{}, 7004}), 0);
  const sl_qtoken_t pop = b->pop(server);
  sl_qresult_t result{};
  // It could never end: the simulation says so instead of hanging.
  EXPECT_EQ(b->wait(pop, result, libos::LibOS::kForever), -EDEADLK);
  const int sender = a->socket(AF_INET, SOCK_DGRAM, 0);
  sl_sga_t sga{};
  ASSERT_EQ(a->sga_alloc(5, sga), 0);
  EXPECT_EQ(wait(*a, a->push_to(sender, sga, endpoint("198.18.0.2", 7004))).ret, 0);
  ASSERT_EQ(b->wait(pop, result, kLong), 0);  // and the pop is still there to complete
  EXPECT_EQ(result.ret, 0);
  EXPECT_EQ(b->sga_free(result.value.sga), 0);
  EXPECT_EQ(a->sga_free(sga), 0);
}

TEST_F(LibosSim, ReusedQueueSlotsGetANewGenerationAndUnknownFamiliesAreRefused) {
  const int qd = a->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(qd, 0);
  EXPECT_EQ(a->listen(qd, 8), -EDESTADDRREQ);
  EXPECT_EQ(a->close(qd), 0);
  // The slot is reused, but the old qd stays invalid: generations differ.
  const int again = a->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_NE(again, qd);
  EXPECT_EQ(again & 0xffff, qd & 0xffff);
  EXPECT_EQ(a->pop(qd), -EBADF);
  EXPECT_EQ(a->socket(AF_INET6, SOCK_STREAM, 0), -EAFNOSUPPORT);
  EXPECT_EQ(a->socket(AF_INET, SOCK_RAW, 0), -EPROTONOSUPPORT);
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
