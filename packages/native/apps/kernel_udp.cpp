#include "apps/kernel_udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <vector>

#include "apps/kernel_socket.hpp"
#include "util/error.hpp"

namespace sluice::apps {

namespace {
constexpr std::size_t kBatch = 64;
constexpr std::size_t kMaxDatagram = 65536;

int open_udp_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, "socket(AF_INET, SOCK_DGRAM)");
  // Blocking receives wake up regularly so a stop request is seen within the timeout.
  timeval timeout{0, 50'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

/// Receive-side buffers for one batch of recvmmsg, allocated once.
struct Batch {
  explicit Batch(std::size_t datagram_size) : storage(kBatch * datagram_size), size(datagram_size) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov[i] = {storage.data() + i * size, size};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = &peers[i];
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
  }
  void reset_for_receive() {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov[i].iov_len = size;
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
  }
  std::vector<std::uint8_t> storage;
  std::size_t size;
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> messages{};
  std::array<sockaddr_in, kBatch> peers{};
};
}  // namespace

KernelEchoCounters run_kernel_udp_echo(const std::string& address, std::uint16_t port, bool busy_poll,
                                       const std::atomic<bool>& stop, void (*on_ready)(void*), void* ready_arg) {
  Socket socket(open_udp_socket());
  const sockaddr_in local = make_address(address, port);
  if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    throw_errno(errno, "cannot bind UDP " + address + ":" + std::to_string(port));
  }
  if (on_ready) on_ready(ready_arg);
  KernelEchoCounters counters;
  Batch batch(kMaxDatagram);
  const int flags = busy_poll ? MSG_DONTWAIT : MSG_WAITFORONE;
  while (!stop.load(std::memory_order_relaxed)) {
    batch.reset_for_receive();
    const int received = ::recvmmsg(socket.fd(), batch.messages.data(), kBatch, flags, nullptr);
    ++counters.syscalls;
    if (received <= 0) continue;
    for (int i = 0; i < received; ++i) {
      batch.iov[i].iov_len = batch.messages[i].msg_len;
      counters.bytes += batch.messages[i].msg_len;
    }
    int sent = 0;
    while (sent < received) {
      const int n = ::sendmmsg(socket.fd(), batch.messages.data() + sent, static_cast<unsigned>(received - sent), 0);
      ++counters.syscalls;
      if (n <= 0) break;
      sent += n;
    }
    counters.datagrams += static_cast<std::uint64_t>(sent);
  }
  return counters;
}

EchoLoadResult run_kernel_udp_echo_client(const std::string& address, std::uint16_t port,
                                          const EchoLoadOptions& options, bool busy_poll,
                                          const std::atomic<bool>& stop) {
  Socket socket(open_udp_socket());
  const sockaddr_in target = make_address(address, port);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
    throw_errno(errno, "cannot reach " + address + ":" + std::to_string(port));
  }
  EchoLoad load(options);
  Batch replies(options.size + 64);
  std::vector<std::uint8_t> requests(kBatch * options.size, 0x5a);
  std::array<iovec, kBatch> request_iov{};
  std::array<mmsghdr, kBatch> request_messages{};
  const int flags = busy_poll ? MSG_DONTWAIT : MSG_WAITFORONE;
  load.begin(monotonic_now());
  for (;;) {
    Instant now = monotonic_now();
    if (load.finished(now) || stop.load(std::memory_order_relaxed)) break;
    load.expire(now);
    std::size_t batch = 0;
    while (batch < kBatch && load.next_request(now, {requests.data() + batch * options.size, options.size})) {
      request_iov[batch] = {requests.data() + batch * options.size, options.size};
      request_messages[batch] = {};
      request_messages[batch].msg_hdr.msg_iov = &request_iov[batch];
      request_messages[batch].msg_hdr.msg_iovlen = 1;
      ++batch;
    }
    if (batch > 0) ::sendmmsg(socket.fd(), request_messages.data(), static_cast<unsigned>(batch), 0);
    replies.reset_for_receive();
    for (auto& message : replies.messages) message.msg_hdr.msg_name = nullptr;
    const int received = ::recvmmsg(socket.fd(), replies.messages.data(), kBatch, flags, nullptr);
    if (received <= 0) continue;
    now = monotonic_now();
    for (int i = 0; i < received; ++i) {
      load.on_reply(now, {replies.storage.data() + static_cast<std::size_t>(i) * replies.size,
                          replies.messages[i].msg_len});
    }
  }
  return load.result();
}

}  // namespace sluice::apps
