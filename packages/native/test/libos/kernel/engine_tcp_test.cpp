// The kernel engine's TCP operations against the kernel itself on loopback: connect/accept, a
// byte-exact 4 MiB echo through provided buffers, ordered sends, resets, end of stream, close.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <thread>

#include "libos/kernel/sockets.hpp"
#include "engine_harness.hpp"

namespace sluice::test::uring {
namespace {

/// Each test gets an engine, with multishot on or forced off, and its driver.
class EngineTcp : public ::testing::TestWithParam<bool> {
 protected:
  Engine engine{config_for(GetParam())};
  Driver driver{engine};
};

TEST_P(EngineTcp, ConnectAndStreamAcceptBothThroughTheEngine) {
  const int listener = engine_listener();
  const sockaddr_in server = local_of(listener);
  ASSERT_EQ(engine.accept(listener, 1, Mode::stream), 0);
  const int client = libos::kernel::open_socket(Transport::tcp);
  ASSERT_GE(client, 0);
  ASSERT_EQ(engine.connect(client, server, 2), 0);

  Completion accepted{};
  Completion connected{};
  for (int seen = 0; seen < 2; ++seen) {
    const Completion c = driver.next();
    (c.token == 1 ? accepted : connected) = c;
  }
  EXPECT_EQ(connected.op, Op::connect);
  EXPECT_EQ(connected.result, 0);
  ASSERT_EQ(accepted.op, Op::accept);
  ASSERT_GE(accepted.result, 0);
  EXPECT_TRUE(accepted.more) << "a stream accept stays armed";
  EXPECT_TRUE(same_address(accepted.peer, local_of(client)));

  // The same accept takes a second connection, from a kernel peer.
  const int peer = peer_connect(server);
  ASSERT_GE(peer, 0);
  const Completion second = driver.of(1);
  ASSERT_GE(second.result, 0);
  EXPECT_TRUE(second.more);
  EXPECT_TRUE(same_address(second.peer, local_of(peer)));

  // Bytes flow over the engine-to-engine connection.
  const auto hello = pattern(100, 1);
  ASSERT_EQ(engine.send(client, hello, 3), 0);
  ASSERT_EQ(engine.recv(accepted.result, 4, Mode::stream), 0);
  std::vector<std::byte> got;
  driver.until([&](const Completion& c) { return c.token == 4 && (c.result <= 0 || got.size() >= hello.size()); },
               [&](const Completion& c) {
                 if (c.token == 3) {
                   EXPECT_EQ(c.result, 100);
                 } else if (c.token == 4 && c.result > 0) {
                   got.insert(got.end(), c.data.begin(), c.data.end());
                   EXPECT_EQ(engine.release(c.buffer), 0);
                 }
               });
  EXPECT_EQ(got, hello);

  // Closing the listener ends the stream accept with ECANCELED.
  ASSERT_EQ(engine.close(listener, 5), 0);
  const Completion cancelled = driver.of(1);
  EXPECT_EQ(cancelled.result, -ECANCELED);
  EXPECT_FALSE(cancelled.more);
  EXPECT_EQ(driver.of(5).result, 0);
  engine_close(engine, driver, accepted.result, 6);
  engine_close(engine, driver, second.result, 7);
  engine_close(engine, driver, client, 8);
  ::close(peer);
  EXPECT_EQ(engine.slots_in_use(), 0u);
  EXPECT_EQ(engine.buffers_held(), 0u);
}

TEST_P(EngineTcp, EchoesFourMebibytesByteExactAgainstAKernelPeer) {
  const int listener = engine_listener();
  const sockaddr_in server = local_of(listener);
  const auto sent = pattern(4u << 20, 7);
  std::vector<std::byte> echoed(sent.size());
  bool wrote = false;
  bool read = false;
  std::thread peer([&] {
    const int fd = peer_connect(server);
    if (fd < 0) return;
    std::thread writer([&] {
      wrote = write_all(fd, sent);
      ::shutdown(fd, SHUT_WR);
    });
    read = read_exact(fd, echoed);
    writer.join();
    ::close(fd);
  });
  JoinOnExit join_peer(peer);

  const int connection = engine_accept_one(engine, driver, listener, 1);
  constexpr std::uint64_t kRecv = 2;
  constexpr std::uint64_t kSendBase = 1000;  // + the buffer id being echoed
  ASSERT_EQ(engine.recv(connection, kRecv, Mode::stream), 0);
  std::size_t received = 0;
  std::size_t echoed_bytes = 0;
  std::size_t data_completions = 0;
  bool end_of_stream = false;
  while (!end_of_stream || echoed_bytes < received) {
    const Completion c = driver.next();
    if (c.token == kRecv) {
      ASSERT_GE(c.result, 0) << std::strerror(-c.result);
      if (c.result == 0) {
        EXPECT_FALSE(c.more);
        end_of_stream = true;
        continue;
      }
      EXPECT_TRUE(c.more);
      received += static_cast<std::size_t>(c.result);
      ++data_completions;
      // Zero copy both ways: the provided buffer is sent as is and returned when the send is done.
      ASSERT_EQ(engine.send(connection, c.data, kSendBase + c.buffer), 0);
    } else {
      ASSERT_GE(c.token, kSendBase);
      ASSERT_GT(c.result, 0) << std::strerror(-c.result);
      echoed_bytes += static_cast<std::size_t>(c.result);
      ASSERT_EQ(engine.release(static_cast<libos::kernel::BufferId>(c.token - kSendBase)), 0);
    }
  }
  peer.join();
  EXPECT_TRUE(wrote);
  EXPECT_TRUE(read);
  EXPECT_EQ(received, sent.size());
  EXPECT_TRUE(echoed == sent) << "echo differs from what the peer sent";
  EXPECT_GT(data_completions, 1u) << "one stream receive delivers many completions";
  EXPECT_EQ(engine.buffers_held(), 0u);
  engine_close(engine, driver, connection, 3);
  engine_close(engine, driver, listener, 4);
  EXPECT_EQ(engine.slots_in_use(), 0u);
}

TEST_P(EngineTcp, SendsQueuedOnOneSocketArriveWholeAndInOrder) {
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver);
  ASSERT_GE(peer, 0);

  // 16 x 256 KiB is far more than the socket buffers hold, so the kernel sends short and the engine
  // must resume each send before starting the next.
  constexpr std::size_t kPiece = 256u << 10;
  constexpr int kPieces = 16;
  const auto all = pattern(kPiece * kPieces, 3);
  for (int i = 0; i < kPieces; ++i) {
    ASSERT_EQ(engine.send(connection, std::span(all).subspan(i * kPiece, kPiece), 100 + i), 0);
  }
  std::vector<std::byte> got(all.size());
  bool read = false;
  std::thread reader([&] { read = read_exact(peer, got); });
  JoinOnExit join_reader(reader);
  for (int i = 0; i < kPieces; ++i) {
    const Completion c = driver.next();
    EXPECT_EQ(c.token, static_cast<std::uint64_t>(100 + i)) << "sends complete in the order they were started";
    EXPECT_EQ(c.result, static_cast<std::int32_t>(kPiece));
  }
  reader.join();
  EXPECT_TRUE(read);
  EXPECT_TRUE(got == all) << "bytes arrived reordered or damaged";
  ::close(peer);
  engine_close(engine, driver, connection, 2);
  engine_close(engine, driver, listener, 3);
}

TEST_P(EngineTcp, PeerResetCompletesTheReceiveWithEconnreset) {
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver);
  ASSERT_GE(peer, 0);
  ASSERT_EQ(engine.recv(connection, 2, Mode::stream), 0);
  std::array<Completion, 4> out{};
  EXPECT_EQ(engine.poll(out), 0u);  // armed, nothing to read yet

  const linger abort_on_close{.l_onoff = 1, .l_linger = 0};  // close sends RST
  ASSERT_EQ(::setsockopt(peer, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close)), 0);
  ::close(peer);
  const Completion reset = driver.of(2);
  EXPECT_EQ(reset.op, Op::recv);
  EXPECT_EQ(reset.result, -ECONNRESET);
  EXPECT_FALSE(reset.more);
  EXPECT_TRUE(reset.data.empty());
  engine_close(engine, driver, connection, 3);
  engine_close(engine, driver, listener, 4);
  EXPECT_EQ(engine.slots_in_use(), 0u);
}

TEST_P(EngineTcp, PeerCloseEndsTheStreamWithZeroAfterTheData) {
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver);
  ASSERT_GE(peer, 0);
  const auto bytes = pattern(3000, 9);
  ASSERT_TRUE(write_all(peer, bytes));
  ::close(peer);
  ASSERT_EQ(engine.recv(connection, 2, Mode::stream), 0);
  std::vector<std::byte> got;
  const Completion last = driver.until([](const Completion& c) { return c.token == 2 && c.result <= 0; },
                                       [&](const Completion& c) {
                                         if (c.result <= 0) return;
                                         EXPECT_TRUE(c.more);
                                         got.insert(got.end(), c.data.begin(), c.data.end());
                                         EXPECT_EQ(engine.release(c.buffer), 0);
                                       });
  EXPECT_EQ(last.result, 0);
  EXPECT_FALSE(last.more);
  EXPECT_EQ(got, bytes);
  EXPECT_EQ(engine.buffers_held(), 0u);
  engine_close(engine, driver, connection, 3);
  engine_close(engine, driver, listener, 4);
}

TEST_P(EngineTcp, ConnectToAPortNobodyListensOnIsRefused) {
  // Bound but not listening: the port stays ours, and a SYN to it is answered with RST.
  const int bound = libos::kernel::open_socket(Transport::tcp);
  ASSERT_EQ(libos::kernel::bind_socket(bound, loopback()), 0);
  const int client = libos::kernel::open_socket(Transport::tcp);
  ASSERT_EQ(engine.connect(client, local_of(bound), 1), 0);
  EXPECT_EQ(driver.of(1).result, -ECONNREFUSED);
  engine_close(engine, driver, client, 2);
  ::close(bound);
}

TEST_P(EngineTcp, CloseCancelsEverythingPendingOnTheSocket) {
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver);  // the peer never reads: sends pile up
  ASSERT_GE(peer, 0);
  ASSERT_EQ(engine.recv(connection, 2, Mode::stream), 0);
  const auto big = pattern(1u << 20, 5);
  constexpr int kSends = 8;  // 8 MiB: most of it cannot leave while the peer does not read
  for (int i = 0; i < kSends; ++i) ASSERT_EQ(engine.send(connection, big, 100 + i), 0);
  std::array<Completion, 16> out{};
  std::vector<Completion> early;
  for (int i = 0; i < 3; ++i) {
    const std::size_t n = engine.poll(out);
    early.insert(early.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  }
  ASSERT_EQ(engine.close(connection, 3), 0);
  std::vector<int> completions_per_token(kSends + 4, 0);
  int cancelled = 0;
  auto count = [&](const Completion& c) {
    ASSERT_LT(c.token, 100u + kSends);
    const std::size_t index = c.token >= 100 ? 4 + (c.token - 100) : c.token;
    ++completions_per_token[index];
    if (c.result == -ECANCELED) ++cancelled;
    if (c.token >= 100) {
      // Cancelled, complete, or (cancelled after the kernel took part of it) the bytes it took.
      EXPECT_TRUE(c.result == -ECANCELED || (c.result > 0 && c.result <= static_cast<std::int32_t>(big.size())))
          << c.result;
    }
  };
  for (const auto& c : early) count(c);
  driver.until([](const Completion& c) { return c.token == 3; }, count);
  // Everything still pending after the close has completed by now; drain what remains queued.
  std::size_t n = 0;
  while ((n = engine.poll(out)) > 0) {
    for (std::size_t i = 0; i < n; ++i) count(out[i]);
  }
  EXPECT_EQ(completions_per_token[2], 1) << "the stream receive ended exactly once";
  for (int i = 0; i < kSends; ++i) EXPECT_EQ(completions_per_token[4 + i], 1) << "send " << i;
  EXPECT_GE(cancelled, 2) << "the receive and at least one queued send were cancelled";
  EXPECT_EQ(engine.slots_in_use(), 0u);
  ::close(peer);
  engine_close(engine, driver, listener, 4);
}

TEST_P(EngineTcp, OneStreamAcceptTakesManyConnections) {
  const int listener = engine_listener();
  ASSERT_EQ(engine.accept(listener, 1, Mode::stream), 0);
  engine.submit();
  const auto before = engine.stats();
  constexpr int kConnections = 5;
  std::vector<int> peers;
  std::vector<int> accepted;
  for (int i = 0; i < kConnections; ++i) {
    peers.push_back(peer_connect(local_of(listener)));
    ASSERT_GE(peers.back(), 0);
    const Completion c = driver.of(1);
    ASSERT_GE(c.result, 0);
    EXPECT_TRUE(c.more);
    EXPECT_TRUE(same_address(c.peer, local_of(peers.back())));
    accepted.push_back(c.result);
  }
  const auto after = engine.stats();
  if (engine.multishot_accept_in_use()) {
    EXPECT_EQ(after.sqes_submitted, before.sqes_submitted) << "the kernel kept the one accept armed";
  } else {
    EXPECT_GE(after.rearms - before.rearms, static_cast<std::uint64_t>(kConnections));
  }
  std::uint64_t token = 10;
  for (const int fd : accepted) engine_close(engine, driver, fd, token++);
  engine_close(engine, driver, listener, token++);
  for (const int fd : peers) ::close(fd);
  EXPECT_EQ(engine.slots_in_use(), 0u);
}

TEST_P(EngineTcp, AOnceReceiveCompletesOnceAndFreesItsSlot) {
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver);
  ASSERT_GE(peer, 0);
  const auto bytes = pattern(500, 2);
  ASSERT_TRUE(write_all(peer, bytes));
  ASSERT_EQ(engine.recv(connection, 2, Mode::once), 0);
  const Completion c = driver.of(2);
  ASSERT_GT(c.result, 0);
  EXPECT_FALSE(c.more);
  EXPECT_TRUE(std::equal(c.data.begin(), c.data.end(), bytes.begin()));
  EXPECT_EQ(engine.slots_in_use(), 0u);
  EXPECT_EQ(engine.buffers_held(), 1u);
  EXPECT_EQ(engine.release(c.buffer), 0);
  ::close(peer);
  engine_close(engine, driver, connection, 3);
  engine_close(engine, driver, listener, 4);
}

TEST_P(EngineTcp, ShutdownForWritingSendsEndOfStreamAndKeepsReceiving) {
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver);
  ASSERT_GE(peer, 0);
  ASSERT_EQ(engine.shutdown(connection, SHUT_WR, 2), 0);
  const Completion shut = driver.of(2);
  EXPECT_EQ(shut.op, Op::shutdown);
  EXPECT_EQ(shut.result, 0);
  std::array<std::byte, 8> none{};
  EXPECT_EQ(::recv(peer, none.data(), none.size(), 0), 0) << "the peer sees end of stream";
  // The other direction still works.
  const auto bytes = pattern(64, 4);
  ASSERT_TRUE(write_all(peer, bytes));
  ASSERT_EQ(engine.recv(connection, 3, Mode::once), 0);
  const Completion got = driver.of(3);
  ASSERT_EQ(got.result, 64);
  EXPECT_TRUE(std::equal(got.data.begin(), got.data.end(), bytes.begin()));
  EXPECT_EQ(engine.release(got.buffer), 0);
  EXPECT_EQ(engine.shutdown(-1, SHUT_RDWR, 4), 0);
  EXPECT_EQ(driver.of(4).result, -EBADF) << "the kernel's errno, passed through";
  ::close(peer);
  engine_close(engine, driver, connection, 5);
  engine_close(engine, driver, listener, 6);
}

INSTANTIATE_TEST_SUITE_P(KernelEngine, EngineTcp, ::testing::Bool(), multishot_name);

}  // namespace
}  // namespace sluice::test::uring
