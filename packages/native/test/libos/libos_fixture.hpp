#pragma once
// Two LibOS instances that reach each other (the C++ way to build a pair; the C API has one LibOS
// per process), on one simulated wire or on the kernel backend over loopback, and helpers to move
// bytes through sgas.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

/// The backends a pair of hosts can run on: the same scenarios hold on each.
enum class Backend { kSim, kKernel };

inline std::string backend_name(Backend backend) { return backend == Backend::kSim ? "sim" : "kernel"; }

/// Two LibOS instances that reach each other: a connects, b listens. On the sim backend they
/// share a simulated wire (named after the test, so tests never meet); on the kernel backend both
/// sit on 127.0.0.1 in this process.
struct LibosPair {
  Backend backend = Backend::kSim;
  std::unique_ptr<libos::LibOS> a;
  std::unique_ptr<libos::LibOS> b;
  int listener = -1;  ///< b's listener from the last connect_tcp
  std::string a_address;  ///< where b sees a's connections come from
  std::string b_address;  ///< where a reaches b

  LibosPair() = default;
  LibosPair(const LibosPair&) = delete;
  LibosPair& operator=(const LibosPair&) = delete;
  ~LibosPair() {
    if (port_holder_ >= 0) ::close(port_holder_);
  }

  /// The pair factory: opens both hosts on `on`.
  void open(Backend on, const std::string& wire) {
    backend = on;
    if (on == Backend::kSim) {
      a_address = "198.18.0.1";
      b_address = "198.18.0.2";
      a = libos::open_libos(sim_host(a_address, wire));
      b = libos::open_libos(sim_host(b_address, wire));
    } else {
      a_address = b_address = "127.0.0.1";
      a = libos::open_libos(kernel_host());
      b = libos::open_libos(kernel_host());
    }
  }

  /// Port `n` (< 10) for this test: any port on a private sim wire, a per-process block on the
  /// machine-wide loopback.
  std::uint16_t port(std::uint16_t n) const {
    return backend == Backend::kSim ? static_cast<std::uint16_t>(5000 + n) : loopback_port(n);
  }

  /// b's endpoint at port(n), as a addresses it.
  libos::Endpoint b_endpoint(std::uint16_t n) const { return endpoint(b_address.c_str(), port(n)); }

  /// The largest datagram a test sends: a sim frame carries one MTU; the kernel's loopback
  /// carries one that spans two 4096-byte buffers.
  std::size_t largest_datagram() const { return backend == Backend::kSim ? 1200 : 6000; }

  /// A port on b where nothing listens, so a connect to it is refused. On loopback it is held
  /// bound (but not listening) until the pair goes, so no other process takes it meanwhile.
  std::uint16_t refusing_port() {
    if (backend == Backend::kSim) return 4444;
    port_holder_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(port_holder_, 0);
    sockaddr_in bound{};
    bound.sin_family = AF_INET;
    bound.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(port_holder_, reinterpret_cast<sockaddr*>(&bound), sizeof bound), 0);
    socklen_t length = sizeof bound;
    EXPECT_EQ(::getsockname(port_holder_, reinterpret_cast<sockaddr*>(&bound), &length), 0);
    return ntohs(bound.sin_port);
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

 private:
  int port_holder_ = -1;
};

inline std::string current_test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

/// A pair on the sim backend, for the scenarios only the simulation can show.
struct SimPair : ::testing::Test, LibosPair {
  void SetUp() override { open(Backend::kSim, current_test_name()); }
};

/// A pair on the kernel backend, for what only the kernel does.
struct KernelPair : ::testing::Test, LibosPair {
  void SetUp() override { open(Backend::kKernel, current_test_name()); }
};

/// A pair on each backend in turn: the scenarios that must hold on all of them.
struct EachBackendPair : ::testing::TestWithParam<Backend>, LibosPair {
  void SetUp() override { open(GetParam(), current_test_name()); }
};

/// Names the instantiations `.../sim` and `.../kernel`.
inline std::string backend_param_name(const ::testing::TestParamInfo<Backend>& info) { return backend_name(info.param); }

}  // namespace sluice::test
