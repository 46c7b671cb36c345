#pragma once
// Two LibOS instances on one simulated wire (the C++ way to build a pair; the C API has one LibOS
// per process), the same pair on the kernel backend over loopback, and helpers to move bytes
// through sgas.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "libos/config.hpp"
#include "libos/libos.hpp"
#include "libos/open.hpp"

namespace sluice::test {

inline libos::Environment no_environment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

/// A small sim host: few connections and buffers, so a test allocates little.
inline libos::LibosConfig sim_host(const std::string& ip, const std::string& wire, std::uint64_t seed = 7) {
  return libos::parse_config(R"({"backend": "sim", "ipv4": ")" + ip + R"(/24",
      "sim": {"wire": ")" + wire + R"(", "seed": )" + std::to_string(seed) + R"(},
      "tcp": {"max_connections": 8, "send_buffer": 65536, "time_wait_ms": 100},
      "libos": {"max_queues": 64, "max_operations": 256, "buffer_count": 256, "buffer_size": 4096}})",
                             no_environment());
}

/// A small kernel-backend host on loopback, sleeping in the ring when idle (no spinning in tests).
inline libos::LibosConfig kernel_host() {
  return libos::parse_config(R"({"backend": "kernel", "ipv4": "127.0.0.1/8", "device": {"busy_poll": false},
      "tcp": {"max_connections": 8, "send_buffer": 65536},
      "libos": {"max_queues": 64, "max_operations": 256, "buffer_count": 256, "buffer_size": 4096}})",
                             no_environment());
}

/// Loopback ports are shared by every process on the machine: kernel tests take port `n` (< 10)
/// of a block of ten chosen by process id, so parallel test processes do not collide.
inline std::uint16_t loopback_port(std::uint16_t n) {
  return static_cast<std::uint16_t>(20000 + (::getpid() % 1000) * 10 + n);
}

inline libos::Endpoint endpoint(const char* ip, std::uint16_t port) {
  return {*wire::Ipv4Address::parse(ip), port};
}

/// The byte at `offset` of test stream `seed`.
inline std::uint8_t pattern(std::uint32_t seed, std::size_t offset) {
  return static_cast<std::uint8_t>((offset * 131 + seed * 7 + (offset >> 8)) & 0xff);
}

inline void fill(sl_sga_t& sga, std::uint32_t seed, std::size_t start = 0) {
  std::size_t offset = start;
  for (std::uint32_t i = 0; i < sga.numsegs; ++i) {
    auto* bytes = static_cast<std::uint8_t*>(sga.segs[i].buf);
    for (std::uint32_t j = 0; j < sga.segs[i].len; ++j) bytes[j] = pattern(seed, offset++);
  }
}

inline void append(std::vector<std::uint8_t>& out, const sl_sga_t& sga) {
  for (std::uint32_t i = 0; i < sga.numsegs; ++i) {
    const auto* bytes = static_cast<const std::uint8_t*>(sga.segs[i].buf);
    out.insert(out.end(), bytes, bytes + sga.segs[i].len);
  }
}

constexpr Duration kLong = Duration::seconds(30);  // virtual time: costs nothing when idle

struct SimPair : ::testing::Test {
  std::unique_ptr<libos::LibOS> a;
  std::unique_ptr<libos::LibOS> b;
  int listener = -1;  ///< b's listener from the last connect_tcp
  std::string b_address = "198.18.0.2";  ///< where a reaches b

  void SetUp() override {
    const std::string wire = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    a = libos::open_libos(sim_host("198.18.0.1", wire));
    b = libos::open_libos(sim_host("198.18.0.2", wire));
  }

  /// Waits on `os` while the other host keeps running too, as it would in its own process: a
  /// LibOS only advances its own operations when it is polled, so both are, in 1 ms slices of
  /// virtual time, for up to kLong.
  sl_qresult_t wait(libos::LibOS& os, sl_qtoken_t qt) {
    EXPECT_GT(qt, 0) << "the call was refused: errno " << -qt;
    libos::LibOS& other = &os == a.get() ? *b : *a;
    sl_qresult_t result{};
    int rc = -ETIMEDOUT;
    for (std::uint64_t slice = 0; slice < kLong.nanos / 1000'000 && rc == -ETIMEDOUT; ++slice) {
      rc = os.wait(qt, result, Duration::millis(1));
      if (rc == -ETIMEDOUT) other.poll(0);
    }
    EXPECT_EQ(rc, 0);
    return result;
  }

  /// A connected pair of TCP qds: client on a, server side on b, port `port`.
  std::pair<int, int> connect_tcp(std::uint16_t port) {
    listener = b->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(b->bind(listener, {{}, port}), 0);
    EXPECT_EQ(b->listen(listener, 8), 0);
    const sl_qtoken_t accept = b->accept(listener);
    const int client = a->socket(AF_INET, SOCK_STREAM, 0);
    const sl_qresult_t connected = wait(*a, a->connect(client, endpoint(b_address.c_str(), port)));
    EXPECT_EQ(connected.opcode, SL_OPC_CONNECT);
    EXPECT_EQ(connected.ret, 0);
    const sl_qresult_t accepted = wait(*b, accept);
    EXPECT_EQ(accepted.opcode, SL_OPC_ACCEPT);
    EXPECT_EQ(accepted.ret, 0);
    return {client, accepted.value.accepted.qd};
  }

  /// Pops on `qd` until `want` bytes arrived; frees every sga.
  std::vector<std::uint8_t> receive(libos::LibOS& os, int qd, std::size_t want) {
    std::vector<std::uint8_t> out;
    while (out.size() < want) {
      sl_qresult_t r = wait(os, os.pop(qd));
      EXPECT_EQ(r.ret, 0);
      if (r.ret != 0 || r.value.sga.numsegs == 0) break;
      append(out, r.value.sga);
      EXPECT_EQ(os.sga_free(r.value.sga), 0);
    }
    return out;
  }
};

/// The same pair on the kernel backend: two LibOS instances in one process, both on 127.0.0.1.
struct KernelPair : SimPair {
  void SetUp() override {
    b_address = "127.0.0.1";
    a = libos::open_libos(kernel_host());
    b = libos::open_libos(kernel_host());
  }
};

}  // namespace sluice::test
