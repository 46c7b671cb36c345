// Batching, idle sleep and allocation: a burst of operations goes to the kernel in one submit, the
// wait fd wakes a sleeper, and steady-state echo does not allocate.
#include <gtest/gtest.h>
#include <poll.h>

#include <array>
#include <atomic>
#include <thread>

#include "engine_harness.hpp"
#include "support/allocation_counter.hpp"

namespace sluice::test::uring {
namespace {

TEST(KernelEngineBatching, ABurstOfSendsIsOneSubmit) {
  Engine engine;
  Driver driver(engine);
  const int fd = engine_udp();
  const int peer = peer_udp();
  const sockaddr_in to = local_of(peer);
  constexpr int kBurst = 64;
  const auto payload = pattern(32, 4);

  const auto before = engine.stats();
  for (int i = 0; i < kBurst; ++i) ASSERT_EQ(engine.sendto(fd, payload, to, static_cast<std::uint64_t>(i)), 0);
  EXPECT_EQ(engine.unsubmitted(), static_cast<std::uint32_t>(kBurst)) << "start calls only queue";
  EXPECT_EQ(engine.stats().submit_calls, before.submit_calls);
  std::array<Completion, 4> out{};
  engine.poll(out);
  EXPECT_EQ(engine.stats().submit_calls - before.submit_calls, 1u) << "one submit for the whole burst";
  EXPECT_EQ(engine.stats().sqes_submitted - before.sqes_submitted, static_cast<std::uint64_t>(kBurst));
  EXPECT_EQ(engine.unsubmitted(), 0u);

  std::vector<bool> done(kBurst, false);
  for (int i = 0; i < kBurst; ++i) {
    const Completion c = driver.next();
    ASSERT_LT(c.token, static_cast<std::uint64_t>(kBurst));
    EXPECT_FALSE(done[c.token]);
    done[c.token] = true;
    EXPECT_EQ(c.result, 32);
  }
  std::array<std::byte, 64> datagram{};
  for (int i = 0; i < kBurst; ++i) ASSERT_EQ(::recv(peer, datagram.data(), datagram.size(), 0), 32) << i;
  engine_close(engine, driver, fd, 100);
  ::close(peer);
}

TEST(KernelEngineBatching, RepliesStartedBetweenHarvestAndSubmitShareOneSubmit) {
  Engine engine;
  Driver driver(engine);
  const int fd = engine_udp();
  const int peer = peer_udp();
  const sockaddr_in to = local_of(fd);
  ASSERT_EQ(engine.recvfrom(fd, 1, Mode::stream), 0);
  engine.submit();
  constexpr int kRequests = 8;
  for (int i = 0; i < kRequests; ++i) ::sendto(peer, &i, sizeof(i), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));

  // Harvest the requests, answer each, and hand all answers to the kernel together.
  std::array<Completion, kRequests> requests{};
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (got < kRequests && std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = engine.harvest(std::span(requests).subspan(got));
    if (n == 0) engine.wait(std::chrono::milliseconds(50));
    got += n;
  }
  ASSERT_EQ(got, static_cast<std::size_t>(kRequests));
  const auto before = engine.stats();
  for (std::size_t i = 0; i < got; ++i) {
    ASSERT_EQ(engine.sendto(fd, requests[i].data, requests[i].peer, 100 + requests[i].buffer), 0);
  }
  EXPECT_EQ(engine.unsubmitted(), static_cast<std::uint32_t>(kRequests)) << "harvest and start calls do not submit";
  EXPECT_EQ(engine.stats().submit_calls, before.submit_calls);
  engine.submit();
  EXPECT_EQ(engine.stats().submit_calls - before.submit_calls, 1u);
  EXPECT_EQ(engine.unsubmitted(), 0u);
  for (int i = 0; i < kRequests; ++i) {
    const Completion sent = driver.until([](const Completion& c) { return c.token >= 100; });
    EXPECT_EQ(sent.result, static_cast<std::int32_t>(sizeof(int)));
    ASSERT_EQ(engine.release(static_cast<libos::kernel::BufferId>(sent.token - 100)), 0);
  }
  int answer = -1;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(::recv(peer, &answer, sizeof(answer), 0), static_cast<ssize_t>(sizeof(answer)));
    EXPECT_EQ(answer, i);
  }
  EXPECT_EQ(engine.buffers_held(), 0u);
  engine_close(engine, driver, fd, 2);
  ::close(peer);
}

TEST(KernelEngineBatching, TheWaitFdWakesASleeperWhenDataArrives) {
  Engine engine;
  Driver driver(engine);
  const int fd = engine_udp();
  const int peer = peer_udp();
  ASSERT_EQ(engine.recvfrom(fd, 1, Mode::stream), 0);
  std::array<Completion, 4> out{};
  EXPECT_EQ(engine.poll(out), 0u);
  EXPECT_EQ(engine.unsubmitted(), 0u) << "poll leaves nothing unsubmitted, so sleeping is safe";
  pollfd idle{.fd = engine.wait_fd(), .events = POLLIN, .revents = 0};
  EXPECT_EQ(::poll(&idle, 1, 0), 0) << "nothing to harvest yet";

  const sockaddr_in to = local_of(fd);
  const char byte = 'z';
  std::thread sender([&] { ::sendto(peer, &byte, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)); });
  pollfd sleeper{.fd = engine.wait_fd(), .events = POLLIN, .revents = 0};
  const int ready = ::poll(&sleeper, 1, static_cast<int>(kPatience.count() * 1000));
  sender.join();
  ASSERT_EQ(ready, 1);
  EXPECT_TRUE(sleeper.revents & POLLIN);
  ASSERT_EQ(engine.poll(out), 1u);
  EXPECT_EQ(out[0].result, 1);
  ASSERT_EQ(engine.release(out[0].buffer), 0);
  pollfd after{.fd = engine.wait_fd(), .events = POLLIN, .revents = 0};
  EXPECT_EQ(::poll(&after, 1, 0), 0) << "harvesting clears the wait fd";
  engine_close(engine, driver, fd, 2);
  ::close(peer);
}

// Engine-side ping-pong loop with no helper that allocates: a preallocated completion array, and
// one send in flight at a time from the received buffer.
std::uint64_t allocations_during_echo(Engine& engine, int fd, const sockaddr_in* udp_peer, int rounds) {
  std::array<Completion, 16> out{};
  constexpr std::uint64_t kSend = 2;  // the receive is armed by the caller under another token
  std::array<std::byte, 64> message{};
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::byte>(i);
  auto send = [&](std::span<const std::byte> bytes) {
    return udp_peer != nullptr ? engine.sendto(fd, bytes, *udp_peer, kSend) : engine.send(fd, bytes, kSend);
  };
  auto run = [&](int count) {
    int replies = 0;
    if (send(message) != 0) return false;
    while (replies < count) {
      const std::size_t n = engine.poll(out);
      if (n == 0 && engine.wait(std::chrono::seconds(kPatience)) == -ETIME) return false;
      for (std::size_t i = 0; i < n; ++i) {
        if (out[i].token == kSend) continue;
        if (out[i].result <= 0) return false;
        if (engine.release(out[i].buffer) != 0) return false;
        if (++replies < count && send(message) != 0) return false;
      }
    }
    return true;
  };
  if (!run(100)) return ~std::uint64_t{0};  // warm-up: first-use costs are not steady state
  test::AllocationCounter::start();
  const bool ok = run(rounds);
  const std::uint64_t allocations = test::AllocationCounter::stop();
  return ok ? allocations : ~std::uint64_t{0};
}

// A kernel echo peer that allocates nothing while it runs: stack buffers, blocking calls.
void kernel_echo(int fd, bool datagrams, std::atomic<bool>& stop) {
  std::array<std::byte, 256> buffer{};
  sockaddr_in from{};
  while (!stop.load()) {
    socklen_t length = sizeof(from);
    const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n <= 0) return;
    if (datagrams) {
      ::sendto(fd, buffer.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<const sockaddr*>(&from), length);
    } else {
      ::send(fd, buffer.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL);
    }
  }
}

class KernelEngineAllocation : public ::testing::TestWithParam<bool> {};

TEST_P(KernelEngineAllocation, UdpEchoInSteadyStateDoesNotAllocate) {
  Engine engine(config_for(GetParam()));
  const int fd = engine_udp();
  const int peer = peer_udp();
  const sockaddr_in peer_address = local_of(peer);
  ASSERT_EQ(engine.recvfrom(fd, 1, Mode::stream), 0);
  std::atomic<bool> stop{false};
  std::thread echo([&] { kernel_echo(peer, true, stop); });
  const std::uint64_t allocations = allocations_during_echo(engine, fd, &peer_address, 1000);
  stop = true;
  ::shutdown(peer, SHUT_RDWR);  // wakes the echo thread's recv
  echo.join();
  EXPECT_EQ(allocations, 0u);
  Driver driver(engine);
  engine_close(engine, driver, fd, 3);
  ::close(peer);
}

TEST_P(KernelEngineAllocation, TcpEchoInSteadyStateDoesNotAllocate) {
  Engine engine(config_for(GetParam()));
  Driver driver(engine);
  const auto [listener, peer, connection] = connect_kernel_peer(engine, driver, 9);
  ASSERT_GE(peer, 0);
  ASSERT_EQ(engine.recv(connection, 1, Mode::stream), 0);
  std::atomic<bool> stop{false};
  std::thread echo([&] { kernel_echo(peer, false, stop); });
  const std::uint64_t allocations = allocations_during_echo(engine, connection, nullptr, 1000);
  stop = true;
  ::shutdown(peer, SHUT_RDWR);
  echo.join();
  EXPECT_EQ(allocations, 0u);
  engine_close(engine, driver, connection, 3);
  engine_close(engine, driver, listener, 4);
  ::close(peer);
}

INSTANTIATE_TEST_SUITE_P(KernelEngine, KernelEngineAllocation, ::testing::Bool(), multishot_name);

}  // namespace
}  // namespace sluice::test::uring
