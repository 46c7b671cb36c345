// Provided buffers: handed out by receive completions, reused after release(), and a receive
// starved of buffers resumes (losing nothing) once the caller gives some back.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>

#include "engine_harness.hpp"

namespace sluice::test::uring {
namespace {

class EngineBuffers : public ::testing::TestWithParam<bool> {};

void send_sequence(int peer, const sockaddr_in& to, std::uint32_t first, std::uint32_t count) {
  for (std::uint32_t sequence = first; sequence < first + count; ++sequence) {
    ::sendto(peer, &sequence, sizeof(sequence), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  }
}

std::uint32_t sequence_in(const Completion& c) {
  std::uint32_t sequence = ~0u;
  if (c.data.size() == sizeof(sequence)) std::memcpy(&sequence, c.data.data(), sizeof(sequence));
  return sequence;
}

TEST_P(EngineBuffers, ReleasedBuffersAreReusedAndThePoolEndsFull) {
  EngineConfig config = config_for(GetParam());
  config.buffer_count = 8;
  Engine engine(config);
  Driver driver(engine);
  const int fd = engine_udp();
  const int peer = peer_udp();
  ASSERT_EQ(engine.recvfrom(fd, 1, Mode::stream), 0);
  send_sequence(peer, local_of(fd), 0, 40);

  std::set<libos::kernel::BufferId> ids;
  for (std::uint32_t i = 0; i < 40; ++i) {
    const Completion c = driver.of(1);
    ASSERT_EQ(c.result, 4);
    EXPECT_EQ(sequence_in(c), i);
    ids.insert(c.buffer);
    ASSERT_EQ(engine.release(c.buffer), 0);
  }
  EXPECT_LE(ids.size(), 8u) << "40 datagrams went through 8 buffers";
  EXPECT_EQ(engine.buffers_held(), 0u);
  EXPECT_EQ(engine.buffers_total(), 8u);
  engine_close(engine, driver, fd, 2);
  ::close(peer);
}

TEST_P(EngineBuffers, StarvedReceiveResumesAfterReleaseWithoutLoss) {
  EngineConfig config = config_for(GetParam());
  config.buffer_count = 4;
  Engine engine(config);
  Driver driver(engine);
  const int fd = engine_udp();
  const int peer = peer_udp();
  ASSERT_EQ(engine.recvfrom(fd, 1, Mode::stream), 0);
  send_sequence(peer, local_of(fd), 0, 6);

  std::vector<Completion> held;
  for (std::uint32_t i = 0; i < 4; ++i) {
    held.push_back(driver.of(1));
    ASSERT_EQ(held.back().result, 4);
    EXPECT_EQ(sequence_in(held.back()), i);
  }
  EXPECT_EQ(engine.buffers_held(), 4u);
  // The fifth datagram finds no buffer: the receive parks instead of failing.
  std::array<Completion, 4> out{};
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (engine.stats().buffer_starved == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(engine.poll(out), 0u) << "nothing can be delivered without a buffer";
    engine.wait(std::chrono::milliseconds(20));
  }
  ASSERT_GT(engine.stats().buffer_starved, 0u);

  for (const auto& c : held) ASSERT_EQ(engine.release(c.buffer), 0);
  for (std::uint32_t i = 4; i < 6; ++i) {
    const Completion c = driver.of(1);
    ASSERT_EQ(c.result, 4);
    EXPECT_TRUE(c.more);
    EXPECT_EQ(sequence_in(c), i);
    ASSERT_EQ(engine.release(c.buffer), 0);
  }
  EXPECT_EQ(engine.buffers_held(), 0u);
  engine_close(engine, driver, fd, 2);
  EXPECT_EQ(engine.slots_in_use(), 0u);
  ::close(peer);
}

INSTANTIATE_TEST_SUITE_P(KernelEngine, EngineBuffers, ::testing::Bool(), multishot_name);

}  // namespace
}  // namespace sluice::test::uring
