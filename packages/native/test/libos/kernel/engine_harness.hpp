#pragma once
// Shared pieces of the kernel engine tests: driving the engine until a completion shows up, and the
// kernel peer (plain blocking sockets on loopback) the engine talks to.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "libos/kernel/engine.hpp"
#include "libos/kernel/sockets.hpp"

namespace sluice::test::uring {

using libos::kernel::Completion;
using libos::kernel::Engine;
using libos::kernel::EngineConfig;
using libos::kernel::Mode;
using libos::kernel::Op;
using libos::kernel::Transport;

/// Generous: a loaded 2-core box can stall a loopback peer for a long time; correctness only.
inline constexpr auto kPatience = std::chrono::seconds(30);

/// Every test runs with multishot on and forced off, so the fallback is exercised on new kernels.
inline EngineConfig config_for(bool multishot) {
  EngineConfig config;
  config.multishot = multishot;
  return config;
}

inline std::string multishot_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "Multishot" : "SingleShotFallback";
}

/// Joins a peer thread on every way out of a test, so a failed assertion ends the test instead of
/// std::terminate (the peer's receive timeout bounds the wait).
class JoinOnExit {
 public:
  explicit JoinOnExit(std::thread& thread) : thread_(thread) {}
  ~JoinOnExit() {
    if (thread_.joinable()) thread_.join();
  }
  JoinOnExit(const JoinOnExit&) = delete;
  JoinOnExit& operator=(const JoinOnExit&) = delete;

 private:
  std::thread& thread_;
};

/// Hands out the engine's completions one at a time, polling (and sleeping in wait() between empty
/// polls) as needed; fails the test when nothing arrives within kPatience.
class Driver {
 public:
  explicit Driver(Engine& engine) : engine_(engine), batch_(32) {}

  Completion next() {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (pending_.empty()) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no completion within " << kPatience.count() << " s";
        return Completion{.token = ~std::uint64_t{0}, .result = -ETIMEDOUT};
      }
      const std::size_t n = engine_.poll(batch_);
      pending_.insert(pending_.end(), batch_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(n));
      if (n == 0) engine_.wait(std::chrono::milliseconds(100));
    }
    const Completion c = pending_.front();
    pending_.pop_front();
    return c;
  }

  /// Completions up to and including the first one `done` accepts; `each` sees every one of them.
  Completion until(const std::function<bool(const Completion&)>& done,
                   const std::function<void(const Completion&)>& each = {}) {
    for (;;) {
      const Completion c = next();
      if (c.result == -ETIMEDOUT && c.token == ~std::uint64_t{0}) return c;
      if (each) each(c);
      if (done(c)) return c;
    }
  }

  /// The next completion carrying `token`; others go to `each`.
  Completion of(std::uint64_t token, const std::function<void(const Completion&)>& each = {}) {
    return until([token](const Completion& c) { return c.token == token; }, each);
  }

 private:
  Engine& engine_;
  std::vector<Completion> batch_;
  std::deque<Completion> pending_;
};

inline sockaddr_in loopback(std::uint16_t port = 0) { return libos::kernel::ipv4(INADDR_LOOPBACK, port); }

inline sockaddr_in local_of(int fd) {
  sockaddr_in address{};
  EXPECT_EQ(libos::kernel::local_address(fd, address), 0);
  return address;
}

inline bool same_address(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_family == b.sin_family && a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
}

/// An engine-side listening TCP socket on 127.0.0.1 with an ephemeral port.
inline int engine_listener() {
  const int fd = libos::kernel::open_socket(Transport::tcp);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(libos::kernel::bind_socket(fd, loopback()), 0);
  EXPECT_EQ(libos::kernel::listen_socket(fd, 16), 0);
  return fd;
}

/// An engine-side UDP socket bound to 127.0.0.1 with an ephemeral port.
inline int engine_udp() {
  const int fd = libos::kernel::open_socket(Transport::udp);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(libos::kernel::bind_socket(fd, loopback()), 0);
  return fd;
}

// ---- the kernel peer: blocking sockets, with receive timeouts so a broken engine fails, not hangs.

inline void set_receive_timeout(int fd) {
  timeval limit{.tv_sec = kPatience.count(), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
}

/// A blocking TCP socket connected to `remote`, or -1.
inline int peer_connect(const sockaddr_in& remote) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  set_receive_timeout(fd);
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof(remote)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// A blocking UDP socket bound to 127.0.0.1 with an ephemeral port.
inline int peer_udp() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  set_receive_timeout(fd);
  const sockaddr_in local = loopback();
  ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local));
  return fd;
}

inline bool write_all(int fd, std::span<const std::byte> data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

inline bool read_exact(int fd, std::span<std::byte> data) {
  while (!data.empty()) {
    const ssize_t n = ::recv(fd, data.data(), data.size(), 0);
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

/// `size` bytes that differ at every offset within any window a reordering bug could produce.
inline std::vector<std::byte> pattern(std::size_t size, std::uint32_t seed) {
  std::vector<std::byte> bytes(size);
  std::uint32_t state = seed * 2654435761u + 1;
  for (auto& b : bytes) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<std::byte>(state >> 24);
  }
  return bytes;
}

/// Accepts one connection on `listener` through the engine (single shot) and returns its fd.
inline int engine_accept_one(Engine& engine, Driver& driver, int listener, std::uint64_t token) {
  EXPECT_EQ(engine.accept(listener, token, Mode::once), 0);
  const Completion accepted = driver.of(token);
  EXPECT_EQ(accepted.op, Op::accept);
  EXPECT_GE(accepted.result, 0);
  EXPECT_FALSE(accepted.more);
  return accepted.result;
}

/// A loopback TCP connection from a kernel peer to an engine-side listener.
struct KernelPeerConnection {
  int listener = -1;    ///< the engine's listening socket
  int peer = -1;        ///< the kernel peer's blocking socket (-1 when it could not connect)
  int connection = -1;  ///< the engine's side, accepted through the engine
};

/// Opens an engine listener, connects a kernel peer to it and accepts that connection through
/// the engine (single shot, `accept_token`): the set-up most TCP tests share.
inline KernelPeerConnection connect_kernel_peer(Engine& engine, Driver& driver, std::uint64_t accept_token = 1) {
  KernelPeerConnection c;
  c.listener = engine_listener();
  c.peer = peer_connect(local_of(c.listener));
  EXPECT_GE(c.peer, 0) << "the kernel peer could not connect";
  if (c.peer >= 0) c.connection = engine_accept_one(engine, driver, c.listener, accept_token);
  return c;
}

/// Closes `fd` through the engine and waits for the close to complete.
inline void engine_close(Engine& engine, Driver& driver, int fd, std::uint64_t token) {
  ASSERT_EQ(engine.close(fd, token), 0);
  const Completion closed = driver.of(token);
  EXPECT_EQ(closed.op, Op::close);
  EXPECT_EQ(closed.result, 0);
}

}  // namespace sluice::test::uring
