#pragma once
// The kernel side of a test wire: an AF_PACKET socket bound to one interface that sends and
// receives whole Ethernet frames, plus deterministic test frames.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <numeric>
#include <vector>

#include "device/device.hpp"
#include "device/netdev.hpp"
#include "wire/ethernet.hpp"

namespace sluice::test {

using Bytes = std::vector<std::uint8_t>;

/// The test frames' EtherType (IEEE local experimental), so nothing else mistakes them for traffic.
inline constexpr std::uint16_t test_ethertype = 0x88b5;

/// A frame of exactly `size` bytes whose payload encodes `sequence`, so order and content both show.
inline Bytes test_frame(const wire::MacAddress& dst, const wire::MacAddress& src, std::size_t size,
                        std::uint32_t sequence) {
  Bytes frame(size);
  std::copy(dst.octets.begin(), dst.octets.end(), frame.begin());
  std::copy(src.octets.begin(), src.octets.end(), frame.begin() + 6);
  frame[12] = test_ethertype >> 8;
  frame[13] = test_ethertype & 0xff;
  for (std::size_t i = 14; i < size; ++i) frame[i] = static_cast<std::uint8_t>(sequence * 31 + i * 7);
  if (size >= 18) {
    frame[14] = static_cast<std::uint8_t>(sequence >> 24);
    frame[15] = static_cast<std::uint8_t>(sequence >> 16);
    frame[16] = static_cast<std::uint8_t>(sequence >> 8);
    frame[17] = static_cast<std::uint8_t>(sequence);
  }
  return frame;
}

/// Frame sizes from the Ethernet minimum (without FCS) to a full 1500-byte MTU.
inline const std::vector<std::size_t>& test_sizes() {
  static const std::vector<std::size_t> sizes{60, 61, 64, 100, 128, 255, 256, 511, 512, 1000, 1023, 1499, 1513, 1514};
  return sizes;
}

/// One test frame of each of test_sizes(), numbered in order.
inline std::vector<Bytes> frames_of_every_size(const wire::MacAddress& dst, const wire::MacAddress& src) {
  std::vector<Bytes> frames;
  for (std::size_t i = 0; i < test_sizes().size(); ++i) {
    frames.push_back(test_frame(dst, src, test_sizes()[i], static_cast<std::uint32_t>(i)));
  }
  return frames;
}

inline std::uint64_t total_bytes(const std::vector<Bytes>& frames) {
  return std::accumulate(frames.begin(), frames.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const Bytes& frame) { return sum + frame.size(); });
}

inline wire::MacAddress mac_of(const std::string& iface) { return device::netdev::query_interface(iface, "test").mac; }

class PacketSocket {
 public:
  explicit PacketSocket(const std::string& iface) : fd_(::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) {
    EXPECT_GE(fd_, 0) << "socket(AF_PACKET)";
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(::if_nametoindex(iface.c_str()));
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << "bind to " << iface;
    int big = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  }
  ~PacketSocket() { ::close(fd_); }
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;

  void send(std::span<const std::uint8_t> frame) {
    ASSERT_EQ(::send(fd_, frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size())) << "send on raw socket";
  }

  /// Sends all frames with one sendmmsg(), so the other side sees them as one burst.
  void send_all(const std::vector<Bytes>& frames) {
    std::vector<iovec> pieces(frames.size());
    std::vector<mmsghdr> messages(frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      pieces[i] = {const_cast<std::uint8_t*>(frames[i].data()), frames[i].size()};
      messages[i].msg_hdr.msg_iov = &pieces[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    std::size_t done = 0;
    while (done < frames.size()) {
      const int sent = ::sendmmsg(fd_, messages.data() + done, static_cast<unsigned>(frames.size() - done), 0);
      ASSERT_GT(sent, 0) << "sendmmsg on raw socket";
      done += static_cast<std::size_t>(sent);
    }
  }

  /// The next frame that arrived on the interface (frames it sent itself are skipped).
  std::optional<Bytes> receive(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Bytes buffer(65536);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd waiter{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&waiter, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      sockaddr_ll from{};
      socklen_t from_len = sizeof from;
      const ssize_t len = ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (len < 0) return std::nullopt;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      return Bytes(buffer.begin(), buffer.begin() + len);
    }
  }

  int fd() const { return fd_; }

 private:
  int fd_;
};

/// Copies out and releases received frames until `count` arrived or `timeout` passed.
inline std::vector<Bytes> receive_frames(device::Device& device, std::size_t count,
                                         std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  std::vector<Bytes> frames;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  device::Frame burst[32];
  while (frames.size() < count && std::chrono::steady_clock::now() < deadline) {
    const std::size_t got = device.receive(burst);
    for (std::size_t i = 0; i < got; ++i) frames.emplace_back(burst[i].data, burst[i].data + burst[i].len);
    device.release({burst, got});
    if (got == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return frames;
}

/// Allocates, fills and transmits `frames`, flushing after each burst until all were accepted.
inline void transmit_frames(device::Device& device, const std::vector<Bytes>& frames) {
  std::size_t next = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (next < frames.size() && std::chrono::steady_clock::now() < deadline) {
    device::Frame burst[16];
    const std::size_t want = std::min<std::size_t>(16, frames.size() - next);
    const std::size_t got = device.allocate({burst, want});
    for (std::size_t i = 0; i < got; ++i) {
      const Bytes& bytes = frames[next + i];
      EXPECT_LE(bytes.size(), burst[i].capacity);
      std::copy(bytes.begin(), bytes.end(), burst[i].data);
      burst[i].len = static_cast<std::uint32_t>(bytes.size());
    }
    const std::size_t sent = device.transmit({burst, got});
    device.release({burst + sent, got - sent});
    device.flush();
    next += sent;
  }
  EXPECT_EQ(next, frames.size()) << "the device did not accept every frame within 3 s";
}

}  // namespace sluice::test
