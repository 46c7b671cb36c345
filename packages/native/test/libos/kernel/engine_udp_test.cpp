// The kernel engine's UDP operations against a kernel peer on loopback: echo with sender
// addresses, and one stream receive taking a burst of datagrams.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <thread>

#include "engine_harness.hpp"

namespace sluice::test::uring {
namespace {

class EngineUdp : public ::testing::TestWithParam<bool> {};

TEST_P(EngineUdp, EchoesDatagramsBackToTheirSender) {
  Engine engine(config_for(GetParam()));
  Driver driver(engine);
  const int server = engine_udp();
  const sockaddr_in server_address = local_of(server);
  const int peer = peer_udp();
  ASSERT_GE(peer, 0);
  const sockaddr_in peer_address = local_of(peer);

  constexpr int kRounds = 200;
  int matched = 0;
  std::thread client([&] {
    std::vector<std::byte> reply(2048);
    for (int i = 0; i < kRounds; ++i) {
      const auto datagram = pattern(1 + (i * 37) % 1400, static_cast<std::uint32_t>(i));
      ::sendto(peer, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&server_address),
               sizeof(server_address));
      const ssize_t n = ::recv(peer, reply.data(), reply.size(), 0);
      if (n < 0) return;
      if (static_cast<std::size_t>(n) == datagram.size() && std::equal(datagram.begin(), datagram.end(), reply.begin())) {
        ++matched;
      }
    }
  });
  JoinOnExit join_client(client);

  constexpr std::uint64_t kRecv = 1;
  constexpr std::uint64_t kSendBase = 1000;
  ASSERT_EQ(engine.recvfrom(server, kRecv, Mode::stream), 0);
  int echoed = 0;
  while (echoed < kRounds) {
    const Completion c = driver.next();
    if (c.token == kRecv) {
      ASSERT_GT(c.result, 0);
      EXPECT_TRUE(c.more);
      EXPECT_EQ(c.data.size(), static_cast<std::size_t>(c.result));
      EXPECT_TRUE(same_address(c.peer, peer_address)) << "the sender's address comes with the datagram";
      ASSERT_EQ(engine.sendto(server, c.data, c.peer, kSendBase + c.buffer), 0);
    } else {
      ASSERT_GT(c.result, 0);
      ASSERT_EQ(engine.release(static_cast<libos::kernel::BufferId>(c.token - kSendBase)), 0);
      ++echoed;
    }
  }
  client.join();
  EXPECT_EQ(matched, kRounds);
  EXPECT_EQ(engine.buffers_held(), 0u);
  ASSERT_EQ(engine.close(server, 2), 0);
  EXPECT_EQ(driver.of(kRecv).result, -ECANCELED);
  EXPECT_EQ(driver.of(2).result, 0);
  EXPECT_EQ(engine.slots_in_use(), 0u);
  ::close(peer);
}

TEST_P(EngineUdp, OneStreamReceiveTakesABurstOfDatagramsInOrder) {
  Engine engine(config_for(GetParam()));
  Driver driver(engine);
  const int server = engine_udp();
  const sockaddr_in server_address = local_of(server);
  const int peer = peer_udp();
  ASSERT_GE(peer, 0);

  ASSERT_EQ(engine.recvfrom(server, 7, Mode::stream), 0);
  std::array<Completion, 4> out{};
  EXPECT_EQ(engine.poll(out), 0u);
  const auto before = engine.stats();

  constexpr int kDatagrams = 100;
  for (int i = 0; i < kDatagrams; ++i) {
    const std::uint32_t sequence = static_cast<std::uint32_t>(i);
    ::sendto(peer, &sequence, sizeof(sequence), 0, reinterpret_cast<const sockaddr*>(&server_address),
             sizeof(server_address));
  }
  for (int i = 0; i < kDatagrams; ++i) {
    const Completion c = driver.next();
    ASSERT_EQ(c.token, 7u);
    ASSERT_EQ(c.result, 4);
    EXPECT_TRUE(c.more);
    std::uint32_t sequence = 0;
    std::memcpy(&sequence, c.data.data(), sizeof(sequence));
    EXPECT_EQ(sequence, static_cast<std::uint32_t>(i));
    ASSERT_EQ(engine.release(c.buffer), 0);
  }
  const auto after = engine.stats();
  if (engine.multishot_recvmsg_in_use()) {
    // Multishot: the kernel kept the one receive armed; the engine submitted nothing for it.
    EXPECT_EQ(after.sqes_submitted, before.sqes_submitted);
    EXPECT_EQ(after.rearms, before.rearms);
  } else {
    // Fallback: the engine re-armed the single-shot receive after every datagram.
    EXPECT_GE(after.rearms - before.rearms, static_cast<std::uint64_t>(kDatagrams));
  }
  EXPECT_EQ(after.completions - before.completions, static_cast<std::uint64_t>(kDatagrams));
  engine_close(engine, driver, server, 8);
  ::close(peer);
}

INSTANTIATE_TEST_SUITE_P(KernelEngine, EngineUdp, ::testing::Bool(), multishot_name);

}  // namespace
}  // namespace sluice::test::uring
