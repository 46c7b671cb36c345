#include "apps/kernel_tcp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.hpp"

namespace sluice::apps {

namespace {

constexpr std::size_t kMaxReply = 64 * 1024;
constexpr std::uint64_t kListenerTag = ~std::uint64_t{0};

struct Connection {
  int fd = -1;
  std::vector<std::uint8_t> input;  ///< max_request bytes once the slot was first used
  std::size_t input_size = 0;
  std::vector<std::uint8_t> backlog;  ///< reply bytes the kernel has not taken yet
  std::size_t backlog_from = 0;
  std::size_t backlog_size = 0;
};

class Server {
 public:
  Server(const KernelTcpOptions& options, RequestProtocol& protocol, KernelTcpCounters& counters)
      : options_(options), protocol_(protocol), counters_(counters), connections_(options.max_connections),
        replies_(kMaxReply) {}

  ~Server() {
    for (Connection& connection : connections_) {
      if (connection.fd >= 0) ::close(connection.fd);
    }
    if (listener_ >= 0) ::close(listener_);
    if (epoll_ >= 0) ::close(epoll_);
  }

  void listen() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options_.port);
    if (::inet_pton(AF_INET, options_.address.c_str(), &address.sin_addr) != 1) {
      throw Error(EINVAL, "\"" + options_.address + "\" is not an IPv4 address");
    }
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw_errno(errno, "socket(AF_INET, SOCK_STREAM)");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      throw_errno(errno, "cannot bind TCP " + options_.address + ":" + std::to_string(options_.port));
    }
    if (::listen(listener_, 1024) != 0) throw_errno(errno, "listen");
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw_errno(errno, "epoll_create1");
    watch(listener_, EPOLL_CTL_ADD, EPOLLIN, kListenerTag);
    protocol_.prepare(connections_.size());
  }

  void run(const std::atomic<bool>& stop) {
    std::array<epoll_event, 64> events{};
    while (!stop.load(std::memory_order_relaxed)) {
      const int count = ::epoll_wait(epoll_, events.data(), events.size(), options_.busy_poll ? 0 : 50);
      const Instant now = monotonic_now();
      for (int i = 0; i < count; ++i) {
        if (events[i].data.u64 == kListenerTag) {
          accept_all();
        } else {
          serve(now, static_cast<std::size_t>(events[i].data.u64));
        }
      }
      protocol_.tick(now);
    }
  }

 private:
  void watch(int fd, int op, std::uint32_t events, std::uint64_t tag) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag;
    ::epoll_ctl(epoll_, op, fd, &event);
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or an error the next accept will report again
      const auto free_slot =
          std::find_if(connections_.begin(), connections_.end(), [](const Connection& c) { return c.fd < 0; });
      if (free_slot == connections_.end()) {
        ::close(fd);
        counters_.refused += 1;
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      const auto id = static_cast<std::size_t>(free_slot - connections_.begin());
      Connection& connection = *free_slot;
      connection.fd = fd;
      if (connection.input.size() != protocol_.max_request()) connection.input.assign(protocol_.max_request(), 0);
      if (connection.backlog.size() != kMaxReply) connection.backlog.assign(kMaxReply, 0);
      connection.input_size = 0;
      connection.backlog_size = 0;
      counters_.accepted += 1;
      protocol_.opened(static_cast<int>(id));
      watch(fd, EPOLL_CTL_ADD, EPOLLIN, id);
    }
  }

  void finish(std::size_t id) {
    Connection& connection = connections_[id];
    ::close(connection.fd);  // also removes it from the epoll set
    connection.fd = -1;
    counters_.closed += 1;
  }

  /// Sends what it can; keeps the rest in the backlog. False when the connection failed.
  bool send_replies(std::size_t id, std::span<const std::uint8_t> bytes) {
    Connection& connection = connections_[id];
    const long sent = ::send(connection.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN) return false;
    const std::size_t taken = sent < 0 ? 0 : static_cast<std::size_t>(sent);
    counters_.bytes_sent += taken;
    if (taken < bytes.size()) {
      std::memcpy(connection.backlog.data(), bytes.data() + taken, bytes.size() - taken);
      connection.backlog_from = 0;
      connection.backlog_size = bytes.size() - taken;
      watch(connection.fd, EPOLL_CTL_MOD, EPOLLOUT, id);  // reading waits until the backlog drains
    }
    return true;
  }

  void serve(Instant now, std::size_t id) {
    Connection& connection = connections_[id];
    if (connection.fd < 0) return;
    if (connection.backlog_size > 0) {
      const long sent = ::send(connection.fd, connection.backlog.data() + connection.backlog_from,
                               connection.backlog_size, MSG_NOSIGNAL);
      if (sent < 0 && errno != EAGAIN) return finish(id);
      if (sent > 0) {
        counters_.bytes_sent += static_cast<std::uint64_t>(sent);
        connection.backlog_from += static_cast<std::size_t>(sent);
        connection.backlog_size -= static_cast<std::size_t>(sent);
      }
      if (connection.backlog_size > 0) return;
      watch(connection.fd, EPOLL_CTL_MOD, EPOLLIN, id);
    }
    for (;;) {
      const Exchange exchange = protocol_.handle(now, static_cast<int>(id),
                                                 std::span(connection.input).first(connection.input_size), replies_,
                                                 replies_.size());
      if (exchange.written > 0 && !send_replies(id, std::span(replies_).first(exchange.written))) return finish(id);
      if (exchange.consumed > 0) {
        connection.input_size -= exchange.consumed;
        std::memmove(connection.input.data(), connection.input.data() + exchange.consumed, connection.input_size);
      }
      if (exchange.next == Wait::close) {
        // Hand the kernel any backlog first, best effort: a close must not wait on a slow reader.
        if (connection.backlog_size > 0) {
          ::send(connection.fd, connection.backlog.data(), connection.backlog_size, MSG_NOSIGNAL);
        }
        return finish(id);
      }
      if (connection.backlog_size > 0) return;  // EPOLLOUT brings us back
      if (exchange.next == Wait::output) {
        if (exchange.written == 0) return finish(id);  // a full reply buffer was not enough: cannot happen
        continue;
      }
      if (connection.input_size == connection.input.size()) return finish(id);
      const long n = ::recv(connection.fd, connection.input.data() + connection.input_size,
                            connection.input.size() - connection.input_size, 0);
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) return finish(id);
      counters_.bytes_received += static_cast<std::uint64_t>(n);
      connection.input_size += static_cast<std::size_t>(n);
    }
  }

  KernelTcpOptions options_;
  RequestProtocol& protocol_;
  KernelTcpCounters& counters_;
  std::vector<Connection> connections_;
  std::vector<std::uint8_t> replies_;
  int listener_ = -1;
  int epoll_ = -1;
};

}  // namespace

void run_kernel_tcp_server(const KernelTcpOptions& options, RequestProtocol& protocol, KernelTcpCounters& counters,
                           const std::atomic<bool>& stop, const std::function<void()>& on_ready) {
  Server server(options, protocol, counters);
  server.listen();
  on_ready();
  server.run(stop);
}

}  // namespace sluice::apps
