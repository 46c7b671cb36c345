// The socket calls of a Sluice socket, with Linux's semantics: blocking calls wait (running the stack
// meanwhile), non-blocking ones return -EAGAIN / -EINPROGRESS, and errors are Linux's errno values.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "preload/engine.hpp"
#include "preload/libc.hpp"
#include "preload/preload_api.h"

namespace sluice::preload {
namespace {

// Largest single push; halved once if the configured buffers cannot hold it (-EMSGSIZE).
std::size_t push_chunk = 16384;

bool would_block(const SluiceSocket& socket, int flags) {
  return socket.nonblocking || (flags & MSG_DONTWAIT) != 0;
}

/** Copies out of the buffered pop; consumes unless peeking. */
std::size_t copy_received(SluiceSocket& socket, char* out, std::size_t len, bool peek) {
  uint32_t segment = socket.rx_segment;
  uint32_t offset = socket.rx_offset;
  std::size_t copied = 0;
  while (copied < len && segment < socket.rx.numsegs) {
    const sl_sgaseg_t& seg = socket.rx.segs[segment];
    const std::size_t n = std::min<std::size_t>(len - copied, seg.len - offset);
    std::memcpy(out + copied, static_cast<const char*>(seg.buf) + offset, n);
    copied += n;
    offset += static_cast<uint32_t>(n);
    if (offset == seg.len) {
      ++segment;
      offset = 0;
    }
  }
  if (!peek) {
    socket.rx_segment = segment;
    socket.rx_offset = offset;
    if (segment >= socket.rx.numsegs) {
      sl_sga_free(&socket.rx);
      socket.rx_ready = false;
      arm_pop(socket);
    }
  }
  return copied;
}

void copy_address(const sockaddr_in& from, struct sockaddr* addr, socklen_t* addrlen) {
  if (addr == nullptr || addrlen == nullptr) return;
  std::memcpy(addr, &from, std::min<socklen_t>(*addrlen, sizeof from));
  *addrlen = sizeof from;
}

ssize_t receive_datagram(SluiceSocket& socket, char* buf, std::size_t len, int flags, struct sockaddr* addr,
                         socklen_t* addrlen) {
  const sockaddr_in from = socket.rx.addr;
  const bool peek = (flags & MSG_PEEK) != 0;
  const std::size_t copied = copy_received(socket, buf, len, true);
  if (!peek) {  // the rest of a datagram that did not fit is dropped, as Linux does
    sl_sga_free(&socket.rx);
    socket.rx_ready = false;
    arm_pop(socket);
  }
  copy_address(from, addr, addrlen);
  return static_cast<ssize_t>(copied);
}

/** One push: a datagram (`to` set) whole, stream bytes up to push_chunk. The count, or -errno
 *  (-EAGAIN when out of buffers, -EMSGSIZE for a datagram larger than an sga holds). */
ssize_t push_once(SluiceSocket& socket, const char* buf, std::size_t len, const sockaddr_in* to) {
  sl_sga_t sga{};
  std::size_t chunk = to != nullptr ? len : std::min(len, push_chunk);
  int rc = sl_sga_alloc(chunk, &sga);
  while (rc == -EMSGSIZE && to == nullptr && chunk > 1) {
    push_chunk = chunk = chunk / 2;
    rc = sl_sga_alloc(chunk, &sga);
  }
  if (rc == -ENOMEM) return -EAGAIN;
  if (rc < 0) return rc;
  std::size_t copied = 0;
  for (uint32_t i = 0; i < sga.numsegs; ++i) {
    std::memcpy(sga.segs[i].buf, buf + copied, sga.segs[i].len);
    copied += sga.segs[i].len;
  }
  const sl_qtoken_t qt = to == nullptr ? sl_push(socket.qd, &sga)
                                       : sl_pushto(socket.qd, &sga, reinterpret_cast<const sockaddr*>(to), sizeof *to);
  if (qt < 0) {
    sl_sga_free(&sga);
    return qt;
  }
  ++socket.pushes_in_flight;
  return static_cast<ssize_t>(chunk);
}

/** The pending error (a failed connect), cleared as Linux clears sk_err, or `otherwise`. */
int take_error(SluiceSocket& socket, int otherwise) {
  const int error = socket.so_error != 0 ? socket.so_error : otherwise;
  socket.so_error = 0;
  return error;
}

ssize_t broken_pipe(int flags) {
  if ((flags & MSG_NOSIGNAL) == 0) raise(SIGPIPE);
  return -EPIPE;
}

ssize_t send_stream(SluiceSocket& socket, const char* buf, std::size_t len, int flags) {
  std::size_t sent = 0;
  while (sent < len || len == 0) {
    make_progress();
    if (socket.tx_error != 0 || socket.state == SocketState::failed) {
      if (sent > 0) return static_cast<ssize_t>(sent);
      if (socket.so_error != 0) return -take_error(socket, EPIPE);  // a failed connect, once
      return broken_pipe(flags);
    }
    if (socket.state == SocketState::fresh || socket.state == SocketState::listening) return -ENOTCONN;
    const bool room = socket.state == SocketState::connected && socket.pushes_in_flight < max_pushes();
    ssize_t n = room ? (len == 0 ? 0 : push_once(socket, buf + sent, len - sent, nullptr)) : -EAGAIN;
    if (len == 0) return 0;
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n != -EAGAIN) return sent > 0 ? static_cast<ssize_t>(sent) : n;
    if (would_block(socket, flags)) return sent > 0 ? static_cast<ssize_t>(sent) : -EAGAIN;
    wait_for(socket, POLLOUT);
  }
  return static_cast<ssize_t>(sent);
}

ssize_t send_datagram(SluiceSocket& socket, const char* buf, std::size_t len, int flags, const sockaddr* addr,
                      socklen_t addrlen) {
  sockaddr_in to{};
  if (addr != nullptr) {
    if (addrlen < sizeof to || addr->sa_family != AF_INET) return -EINVAL;
    std::memcpy(&to, addr, sizeof to);
  } else if (socket.has_peer) {
    to = socket.peer;
  } else {
    return -EDESTADDRREQ;
  }
  for (;;) {
    make_progress();
    const ssize_t n = socket.pushes_in_flight < max_pushes() ? push_once(socket, buf, len, &to) : -EAGAIN;
    if (n >= 0) {
      socket.bound = true;  // pushto binds an ephemeral port, as sendto does
      arm_pop(socket);
      return n;
    }
    if (n != -EAGAIN || would_block(socket, flags)) return n;
    wait_for(socket, POLLOUT);
  }
}

SluiceSocket* lookup(int fd) { return socket_of_fd(fd); }

}  // namespace
}  // namespace sluice::preload

using namespace sluice::preload;

extern "C" int slp_socket(int domain, int type, int protocol) {
  const std::lock_guard guard(libos_lock());
  const int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (domain != AF_INET || (kind != SOCK_STREAM && kind != SOCK_DGRAM)) return SLP_PASSTHROUGH;
  const int started = ensure_started();
  if (started == 1) return SLP_PASSTHROUGH;
  if (started < 0) return started;
  const int qd = sl_socket(domain, kind, protocol);
  if (qd < 0) return qd;
  int error = 0;
  SluiceSocket* socket = adopt(qd, kind == SOCK_STREAM, (type & SOCK_CLOEXEC) != 0, &error);
  if (socket == nullptr) return -error;
  socket->nonblocking = (type & SOCK_NONBLOCK) != 0;
  return socket->fd;
}

extern "C" int slp_bind(int fd, const struct sockaddr* addr, socklen_t len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  const int rc = sl_bind(socket->qd, addr, len);
  if (rc == 0) {
    socket->bound = true;
    if (!socket->tcp) arm_pop(*socket);
  }
  return rc;
}

extern "C" int slp_listen(int fd, int backlog) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  const int rc = sl_listen(socket->qd, backlog);
  if (rc < 0) return rc;
  socket->state = SocketState::listening;
  arm_accept(*socket);
  return 0;
}

extern "C" int slp_accept(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* listener = lookup(fd);
  if (listener->state != SocketState::listening) return -EINVAL;
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0) return -EINVAL;
  for (;;) {
    make_progress();
    if (listener->accepted_count > 0) break;
    if (listener->nonblocking) return -EAGAIN;
    wait_for(*listener, POLLIN);
  }
  const sl_accept_result_t accepted = listener->accepted[listener->accepted_head];
  listener->accepted_head = (listener->accepted_head + 1) % listener->accepted.size();
  --listener->accepted_count;
  arm_accept(*listener);
  int error = 0;
  SluiceSocket* socket = adopt(accepted.qd, true, (flags & SOCK_CLOEXEC) != 0, &error);
  if (socket == nullptr) return -error;
  socket->nonblocking = (flags & SOCK_NONBLOCK) != 0;
  socket->state = SocketState::connected;
  socket->bound = true;
  arm_pop(*socket);
  copy_address(accepted.addr, addr, len);
  return socket->fd;
}

extern "C" int slp_connect(int fd, const struct sockaddr* addr, socklen_t len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if (!socket->tcp) {
    if (addr == nullptr || len < sizeof(sockaddr_in)) return -EINVAL;
    if (addr->sa_family == AF_UNSPEC) {
      socket->has_peer = false;
      return 0;
    }
    if (addr->sa_family != AF_INET) return -EAFNOSUPPORT;
    std::memcpy(&socket->peer, addr, sizeof socket->peer);
    socket->has_peer = true;
    return 0;
  }
  switch (socket->state) {
    case SocketState::connected: return -EISCONN;
    case SocketState::listening: return -EISCONN;
    case SocketState::connecting:
      if (socket->nonblocking) return -EALREADY;
      break;
    case SocketState::failed: {
      // Linux reports a failed non-blocking connect once more on the next connect, then clears it.
      const int error = socket->so_error;
      socket->so_error = 0;
      socket->state = SocketState::fresh;
      if (error != 0) return -error;
      break;
    }
    case SocketState::fresh: {
      const sl_qtoken_t qt = sl_connect(socket->qd, addr, len);
      if (qt < 0) return static_cast<int>(qt);
      socket->connect_qt = qt;
      socket->state = SocketState::connecting;
      if (socket->nonblocking) return -EINPROGRESS;
      break;
    }
  }
  while (socket->state == SocketState::connecting) {
    wait_for(*socket, POLLOUT);
  }
  if (socket->state == SocketState::connected) return 0;
  const int error = socket->so_error;
  socket->so_error = 0;
  return -error;
}

extern "C" ssize_t slp_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr, socklen_t* addrlen) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if ((flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC)) != 0) return -EOPNOTSUPP;
  if (socket->tcp && (socket->state == SocketState::fresh || socket->state == SocketState::listening)) return -ENOTCONN;
  for (;;) {
    make_progress();
    if (socket->rx_ready) {
      if (!socket->tcp) return receive_datagram(*socket, static_cast<char*>(buf), len, flags, addr, addrlen);
      const std::size_t n = copy_received(*socket, static_cast<char*>(buf), len, (flags & MSG_PEEK) != 0);
      if (addr != nullptr && addrlen != nullptr) *addrlen = 0;  // as Linux on a connected stream
      return static_cast<ssize_t>(n);
    }
    if (socket->rx_error != 0) {
      const int error = socket->rx_error;
      socket->rx_error = 0;
      socket->eof = true;  // reported once; reads after it see end of stream, as on Linux
      return -error;
    }
    if (socket->eof) return 0;
    // A failed connect: its error once, then end of stream (Linux marks the socket done).
    if (socket->state == SocketState::failed) return socket->so_error != 0 ? -take_error(*socket, 0) : 0;
    arm_pop(*socket);
    if (would_block(*socket, flags)) return -EAGAIN;
    wait_for(*socket, POLLIN);
  }
}

extern "C" ssize_t slp_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* addr,
                              socklen_t addrlen) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE)) != 0) return -EOPNOTSUPP;
  if (socket->tcp) {
    if (addr != nullptr && socket->state == SocketState::connected) return -EISCONN;
    return send_stream(*socket, static_cast<const char*>(buf), len, flags);
  }
  return send_datagram(*socket, static_cast<const char*>(buf), len, flags, addr, addrlen);
}

extern "C" int slp_close(int fd) {
  const std::lock_guard guard(libos_lock());
  release(lookup(fd));
  return 0;
}

extern "C" int slp_shutdown(int fd, int how) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return -EINVAL;
  if (socket->tcp && socket->state != SocketState::connected) return -ENOTCONN;
  // Sending FIN while still receiving needs a half-close in the LibOS, which it does not have yet.
  if (how != SHUT_RD) return -EOPNOTSUPP;
  socket->eof = true;
  return 0;
}

extern "C" int slp_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  const std::lock_guard guard(libos_lock());
  return sl_setsockopt(lookup(fd)->qd, level, name, value, len);
}

extern "C" int slp_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if (level == SOL_SOCKET && (name == SO_ERROR || name == SO_TYPE || name == SO_DOMAIN)) {
    if (value == nullptr || len == nullptr || *len < sizeof(int)) return -EINVAL;
    int answer = AF_INET;
    if (name == SO_TYPE) answer = socket->tcp ? SOCK_STREAM : SOCK_DGRAM;
    if (name == SO_ERROR) {
      make_progress();
      answer = socket->so_error;
      socket->so_error = 0;
    }
    std::memcpy(value, &answer, sizeof answer);
    *len = sizeof answer;
    return 0;
  }
  return sl_getsockopt(socket->qd, level, name, value, len);
}

extern "C" int slp_getsockname(int fd, struct sockaddr* addr, socklen_t* len) {
  const std::lock_guard guard(libos_lock());
  return sl_getsockname(lookup(fd)->qd, addr, len);
}

extern "C" int slp_getpeername(int fd, struct sockaddr* addr, socklen_t* len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if (!socket->tcp) {
    if (!socket->has_peer) return -ENOTCONN;
    if (addr == nullptr || len == nullptr) return -EFAULT;
    copy_address(socket->peer, addr, len);
    return 0;
  }
  return sl_getpeername(socket->qd, addr, len);
}

extern "C" int slp_fcntl(int fd, int cmd, long arg) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  switch (cmd) {
    case F_GETFL: return O_RDWR | (socket->nonblocking ? O_NONBLOCK : 0);
    case F_SETFL:
      socket->nonblocking = (arg & O_NONBLOCK) != 0;
      return 0;
    case F_GETFD:
    case F_SETFD: {
      const int rc = real_libc().fcntl(fd, cmd, arg);  // close-on-exec is the placeholder's
      return rc < 0 ? -errno : rc;
    }
    default: return -EINVAL;  // dup and locks of Sluice sockets are not supported yet
  }
}

extern "C" int slp_ioctl(int fd, unsigned long request, void* arg) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = lookup(fd);
  if (arg == nullptr) return -EFAULT;
  if (request == FIONBIO) {
    socket->nonblocking = *static_cast<const int*>(arg) != 0;
    return 0;
  }
  if (request == FIONREAD) {
    make_progress();
    *static_cast<int*>(arg) = static_cast<int>(readable_bytes(*socket));
    return 0;
  }
  return -ENOTTY;
}
