// The kernel engine's error paths: the kernel's errno passed through exactly, the engine's own
// limits (slots, fd table, buffer ownership) refused with a clear errno, bad configuration named.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "engine_harness.hpp"
#include "util/error.hpp"

namespace sluice::test::uring {
namespace {

TEST(KernelEngineErrors, OperationsOnAClosedDescriptorCompleteWithEbadf) {
  Engine engine;
  Driver driver(engine);
  const int fd = engine_udp();
  ASSERT_EQ(::close(fd), 0);
  const auto bytes = pattern(10, 1);
  ASSERT_EQ(engine.recvfrom(fd, 1), 0);
  ASSERT_EQ(engine.sendto(fd, bytes, loopback(9), 2), 0);
  ASSERT_EQ(engine.send(fd, bytes, 3), 0);
  ASSERT_EQ(engine.close(fd, 4), 0);
  for (std::uint64_t token = 1; token <= 4; ++token) {
    const Completion c = driver.of(token);
    EXPECT_EQ(c.result, -EBADF) << libos::kernel::op_name(c.op);
    EXPECT_FALSE(c.more);
  }
  EXPECT_EQ(engine.slots_in_use(), 0u);
}

TEST(KernelEngineErrors, FullSlotTableRefusesWithEnobufsButCanStillClose) {
  EngineConfig config;
  config.op_slots = 4;  // three operations, the last slot kept for close
  Engine engine(config);
  Driver driver(engine);
  const int fd = engine_udp();
  for (std::uint64_t token = 1; token <= 3; ++token) ASSERT_EQ(engine.recvfrom(fd, token), 0);
  EXPECT_EQ(engine.recvfrom(fd, 4), -ENOBUFS);
  EXPECT_EQ(engine.sendto(fd, pattern(8, 1), loopback(9), 5), -ENOBUFS);
  EXPECT_EQ(engine.slots_in_use(), 3u);

  ASSERT_EQ(engine.close(fd, 6), 0);
  int cancelled = 0;
  driver.until([](const Completion& c) { return c.token == 6; },
               [&](const Completion& c) { cancelled += c.result == -ECANCELED ? 1 : 0; });
  EXPECT_EQ(cancelled, 3);
  EXPECT_EQ(engine.slots_in_use(), 0u) << "every slot came back";
  const int again = engine_udp();
  EXPECT_EQ(engine.recvfrom(again, 7), 0);
  engine_close(engine, driver, again, 8);
}

TEST(KernelEngineErrors, ReleasingABufferTheCallerDoesNotHoldIsEinval) {
  Engine engine;
  Driver driver(engine);
  EXPECT_EQ(engine.release(0), -EINVAL);
  EXPECT_EQ(engine.release(60000), -EINVAL);

  const int fd = engine_udp();
  const int peer = peer_udp();
  const sockaddr_in to = local_of(fd);
  const char byte = 'x';
  ::sendto(peer, &byte, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  ASSERT_EQ(engine.recvfrom(fd, 1), 0);
  const Completion c = driver.of(1);
  ASSERT_EQ(c.result, 1);
  EXPECT_EQ(engine.buffers_held(), 1u);
  EXPECT_EQ(engine.release(c.buffer), 0);
  EXPECT_EQ(engine.release(c.buffer), -EINVAL) << "double release";
  EXPECT_EQ(engine.buffers_held(), 0u);
  engine_close(engine, driver, fd, 2);
  ::close(peer);
}

TEST(KernelEngineErrors, SendOnADescriptorBeyondTheFdTableIsEmfile) {
  const int fd = engine_udp();
  EngineConfig config;
  config.max_fd = static_cast<std::uint32_t>(fd);  // fd itself is just outside the table
  Engine engine(config);
  EXPECT_EQ(engine.send(fd, pattern(4, 1), 1), -EMFILE);
  EXPECT_EQ(engine.slots_in_use(), 0u);
  ::close(fd);
}

TEST(KernelEngineErrors, WaitWithNothingPendingTimesOut) {
  Engine engine;
  EXPECT_EQ(engine.wait(std::chrono::milliseconds(10)), -ETIME);
}

int construction_error(const EngineConfig& config, std::string& message) {
  try {
    Engine engine(config);
  } catch (const sluice::Error& e) {
    message = e.what();
    return e.code();
  }
  return 0;
}

TEST(KernelEngineErrors, BadConfigurationIsRejectedWithTheReason) {
  std::string message;
  EngineConfig odd_buffers;
  odd_buffers.buffer_count = 3;
  EXPECT_EQ(construction_error(odd_buffers, message), EINVAL);
  EXPECT_NE(message.find("power of two"), std::string::npos) << message;

  EngineConfig one_slot;
  one_slot.op_slots = 1;
  EXPECT_EQ(construction_error(one_slot, message), EINVAL);
  EXPECT_NE(message.find("op_slots"), std::string::npos) << message;

  EngineConfig tiny_buffers;
  tiny_buffers.buffer_size = 16;
  EXPECT_EQ(construction_error(tiny_buffers, message), EINVAL);
  EXPECT_NE(message.find("buffer_size"), std::string::npos) << message;
}

}  // namespace
}  // namespace sluice::test::uring
