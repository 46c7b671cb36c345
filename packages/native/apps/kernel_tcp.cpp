#include "apps/kernel_tcp.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <cerrno>
#include <vector>

#include "apps/kernel_socket.hpp"
#include "util/error.hpp"

namespace sluice::apps {

namespace {
constexpr Duration kCloseGrace = Duration::seconds(2);

/// A connected, non-blocking socket with Nagle off.
Socket connect_tcp(const std::string& address, std::uint16_t port) {
  const sockaddr_in target = make_address(address, port);
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) throw_errno(errno, "socket(AF_INET, SOCK_STREAM)");
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
    throw_errno(errno, "cannot connect to " + address + ":" + std::to_string(port));
  }
  const int one = 1;
  ::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) | O_NONBLOCK);
  return socket;
}

struct EchoConnection {
  Socket socket;
  MessageAssembler reply;
  std::vector<std::uint8_t> reply_storage;
  std::vector<std::uint8_t> request;
  std::size_t unsent = 0;  ///< bytes at the end of `request` the kernel has not taken yet
  std::uint32_t outstanding = 0;
  bool ended = false;
};

/// Sends what is left of the current request; false if the kernel took only part (or nothing).
bool flush_request(EchoConnection& c) {
  while (c.unsent > 0) {
    const ssize_t n = ::send(c.socket.fd(), c.request.data() + (c.request.size() - c.unsent), c.unsent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) c.ended = true;
      return false;
    }
    c.unsent -= static_cast<std::size_t>(n);
  }
  return true;
}

/// Reads what arrived; counts whole replies into `load`. Returns false at end of stream or error.
bool drain_replies(Instant now, EchoConnection& c, EchoLoad& load) {
  for (;;) {
    const auto room = c.reply.room(c.reply_storage);
    const ssize_t n = ::recv(c.socket.fd(), room.data(), room.size(), MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return false;
    if (c.reply.add(static_cast<std::size_t>(n))) {
      load.on_reply(now, c.reply_storage);
      if (c.outstanding > 0) --c.outstanding;
    }
  }
}

/// Half-closes every live connection and waits (bounded) for the server's FIN on each.
void close_gracefully(std::vector<EchoConnection>& connections) {
  for (auto& c : connections) {
    if (!c.ended) ::shutdown(c.socket.fd(), SHUT_WR);
  }
  const Instant deadline = monotonic_now() + kCloseGrace;
  std::vector<std::uint8_t> scratch(64 * 1024);
  for (auto& c : connections) {
    while (!c.ended && monotonic_now() < deadline) {
      pollfd p{c.socket.fd(), POLLIN, 0};
      ::poll(&p, 1, 50);
      const ssize_t n = ::recv(c.socket.fd(), scratch.data(), scratch.size(), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) c.ended = true;
    }
  }
}
}  // namespace

namespace {
/// One accepted connection of the kernel echo server. What the kernel would not take yet waits in
/// `pending`, and the connection is not read until it has gone (TCP's flow control does the rest).
struct EchoSession {
  explicit EchoSession(int fd) : socket(fd) {}
  Socket socket;
  std::vector<std::uint8_t> pending;
  std::size_t pending_at = 0;
  bool peer_finished = false;
};

/// Sends what is pending; false on a connection error.
bool flush_pending(EchoSession& session) {
  while (session.pending_at < session.pending.size()) {
    const ssize_t n = ::send(session.socket.fd(), session.pending.data() + session.pending_at,
                             session.pending.size() - session.pending_at, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    session.pending_at += static_cast<std::size_t>(n);
  }
  session.pending.clear();
  session.pending_at = 0;
  return true;
}
}  // namespace

KernelTcpEchoCounters run_kernel_tcp_echo(const std::string& address, std::uint16_t port, bool busy_poll,
                                          const std::atomic<bool>& stop, const std::function<void()>& ready) {
  const sockaddr_in local = make_address(address, port);
  Socket listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (listener.fd() < 0) throw_errno(errno, "socket(AF_INET, SOCK_STREAM)");
  const int one = 1;
  ::setsockopt(listener.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listener.fd(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    throw_errno(errno, "cannot bind TCP " + address + ":" + std::to_string(port));
  }
  if (::listen(listener.fd(), 1024) != 0) throw_errno(errno, "listen");
  Socket epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll.fd() < 0) throw_errno(errno, "epoll_create1");
  epoll_event interest{.events = EPOLLIN, .data = {.fd = listener.fd()}};
  ::epoll_ctl(epoll.fd(), EPOLL_CTL_ADD, listener.fd(), &interest);
  ready();

  KernelTcpEchoCounters counters;
  std::vector<std::unique_ptr<EchoSession>> sessions;  // by descriptor
  std::vector<std::uint8_t> buffer(64 * 1024);
  std::vector<epoll_event> events(64);
  const auto end = [&](int fd) {
    ::epoll_ctl(epoll.fd(), EPOLL_CTL_DEL, fd, nullptr);
    sessions[static_cast<std::size_t>(fd)].reset();
    counters.closed += 1;
  };
  while (!stop.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epoll.fd(), events.data(), static_cast<int>(events.size()), busy_poll ? 0 : 50);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener.fd()) {
        for (int client = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC); client >= 0;
             client = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) {
          ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (sessions.size() <= static_cast<std::size_t>(client)) sessions.resize(static_cast<std::size_t>(client) + 1);
          sessions[static_cast<std::size_t>(client)] = std::make_unique<EchoSession>(client);
          epoll_event want{.events = EPOLLIN, .data = {.fd = client}};
          ::epoll_ctl(epoll.fd(), EPOLL_CTL_ADD, client, &want);
          counters.accepted += 1;
        }
        continue;
      }
      EchoSession& session = *sessions[static_cast<std::size_t>(fd)];
      if (!flush_pending(session)) {
        end(fd);
        continue;
      }
      bool failed = false;
      while (session.pending.empty() && !session.peer_finished) {
        const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (got < 0) {
          failed = errno != EAGAIN && errno != EINTR;
          break;
        }
        if (got == 0) {
          session.peer_finished = true;
          break;
        }
        counters.bytes += static_cast<std::uint64_t>(got);
        const ssize_t sent = ::send(fd, buffer.data(), static_cast<std::size_t>(got), MSG_NOSIGNAL | MSG_DONTWAIT);
        const std::size_t taken = sent < 0 ? 0 : static_cast<std::size_t>(sent);
        if (sent < 0 && errno != EAGAIN && errno != EINTR) {
          failed = true;
          break;
        }
        session.pending.assign(buffer.begin() + static_cast<std::ptrdiff_t>(taken), buffer.begin() + got);
      }
      if (failed || (session.peer_finished && session.pending.empty())) {
        end(fd);  // the echo is complete: closing sends our FIN
        continue;
      }
      // Wait for room while something is pending, for bytes otherwise.
      epoll_event want{.events = session.pending.empty() ? EPOLLIN : EPOLLOUT, .data = {.fd = fd}};
      ::epoll_ctl(epoll.fd(), EPOLL_CTL_MOD, fd, &want);
    }
  }
  return counters;
}

TcpEchoLoadResult run_kernel_tcp_echo_client(const std::string& address, std::uint16_t port,
                                             const TcpEchoLoadOptions& options, bool busy_poll,
                                             const std::atomic<bool>& stop) {
  EchoLoadOptions whole = options.load;
  whole.window = options.connections * options.load.window;
  whole.loss_timeout = Duration::seconds(24 * 3600);
  EchoLoad load(whole);

  std::vector<EchoConnection> connections;
  connections.reserve(options.connections);
  Socket epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll.fd() < 0) throw_errno(errno, "epoll_create1");
  for (std::uint32_t i = 0; i < options.connections; ++i) {
    connections.push_back({.socket = connect_tcp(address, port),
                           .reply = MessageAssembler(options.load.size),
                           .reply_storage = std::vector<std::uint8_t>(options.load.size),
                           .request = std::vector<std::uint8_t>(options.load.size, 0x5a)});
    epoll_event interest{.events = EPOLLIN, .data = {.u32 = i}};
    if (::epoll_ctl(epoll.fd(), EPOLL_CTL_ADD, connections.back().socket.fd(), &interest) != 0) {
      throw_errno(errno, "epoll_ctl");
    }
  }

  TcpEchoLoadResult result;
  result.connections = options.connections;
  std::vector<epoll_event> ready(64);
  load.begin(monotonic_now());
  for (;;) {
    Instant now = monotonic_now();
    if (load.finished(now) || stop.load(std::memory_order_relaxed)) break;
    for (auto& c : connections) {
      if (c.ended || !flush_request(c)) continue;
      while (c.outstanding < options.load.window && load.next_request(now, c.request)) {
        ++c.outstanding;
        c.unsent = c.request.size();
        if (!flush_request(c)) break;
      }
    }
    const int n = ::epoll_wait(epoll.fd(), ready.data(), static_cast<int>(ready.size()), busy_poll ? 0 : 10);
    if (n < 0 && errno != EINTR) throw_errno(errno, "epoll_wait");
    now = monotonic_now();
    for (int i = 0; i < n; ++i) {
      EchoConnection& c = connections[ready[static_cast<std::size_t>(i)].data.u32];
      if (!c.ended && !drain_replies(now, c, load)) {
        c.ended = true;
        ++result.failed;
        ::epoll_ctl(epoll.fd(), EPOLL_CTL_DEL, c.socket.fd(), nullptr);
      }
    }
  }
  close_gracefully(connections);
  result.load = load.result();
  return result;
}

TcpStreamResult run_kernel_tcp_stream_client(const std::string& address, std::uint16_t port,
                                             const TcpStreamOptions& options, bool busy_poll,
                                             const std::atomic<bool>& stop) {
  Socket socket = connect_tcp(address, port);
  const Instant connected_at = monotonic_now();
  std::vector<std::uint8_t> chunk(64 * 1024);
  std::vector<std::uint8_t> incoming(64 * 1024);
  std::uint64_t chunk_offset = 0;
  fill_stream_pattern(0, chunk);
  TcpStreamResult result;
  Instant sent_at;
  bool shut_down = false;
  for (;;) {
    const Instant now = monotonic_now();
    if (stop.load(std::memory_order_relaxed)) throw Error(EINTR, "the TCP stream was stopped before it finished");
    if (now - connected_at >= options.timeout) {
      throw Error(ETIMEDOUT, "the TCP stream timed out after " + std::to_string(result.bytes_sent) + " bytes sent");
    }
    pollfd p{socket.fd(), static_cast<short>(POLLIN | (shut_down ? 0 : POLLOUT)), 0};
    if (::poll(&p, 1, busy_poll ? 0 : 10) < 0 && errno != EINTR) throw_errno(errno, "poll");
    while (!shut_down) {
      if (result.bytes_sent == options.bytes) {
        ::shutdown(socket.fd(), SHUT_WR);
        shut_down = true;
        sent_at = monotonic_now();
        break;
      }
      if (result.bytes_sent == chunk_offset + chunk.size()) {
        chunk_offset = result.bytes_sent;
        fill_stream_pattern(chunk_offset, chunk);
      }
      const std::size_t in_chunk = static_cast<std::size_t>(result.bytes_sent - chunk_offset);
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size() - in_chunk, options.bytes - result.bytes_sent));
      const ssize_t n = ::send(socket.fd(), chunk.data() + in_chunk, want, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        throw_errno(errno, "the TCP stream failed after " + std::to_string(result.bytes_sent) + " bytes sent");
      }
      result.bytes_sent += static_cast<std::uint64_t>(n);
    }
    for (;;) {
      const ssize_t n = ::recv(socket.fd(), incoming.data(), incoming.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        throw_errno(errno, "the TCP stream failed after " + std::to_string(result.bytes_received) + " bytes received");
      }
      if (n == 0) {
        if (!shut_down) throw Error(ECONNRESET, "the server closed the TCP stream before it was sent");
        const Instant finished_at = monotonic_now();
        result.seconds = static_cast<double>((finished_at - connected_at).nanos) / 1e9;
        result.send_seconds = static_cast<double>((sent_at - connected_at).nanos) / 1e9;
        return result;
      }
      const auto bytes = std::span<const std::uint8_t>(incoming).first(static_cast<std::size_t>(n));
      if (result.first_mismatch < 0) result.first_mismatch = find_stream_mismatch(result.bytes_received, bytes);
      result.bytes_received += static_cast<std::uint64_t>(n);
    }
  }
}

}  // namespace sluice::apps
