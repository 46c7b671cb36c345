// The socket calls of a Sluice socket, with Linux's semantics: blocking calls wait (running the stack
// meanwhile), non-blocking ones return -EAGAIN / -EINPROGRESS, and errors are Linux's errno values.
// Data calls take a msghdr (read, recv, recvfrom, readv, recvmsg and their send twins all become
// one), so every path copies through the same IoCursor.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include "preload/engine.hpp"
#include "preload/io_cursor.hpp"
#include "preload/libc.hpp"
#include "preload/preload_api.h"

namespace sluice::preload {
namespace {

// Largest single push; halved once if the configured buffers cannot hold it (-EMSGSIZE).
std::size_t push_chunk = 16384;

bool would_block(const SluiceSocket& socket, int flags) {
  return socket.nonblocking || (flags & MSG_DONTWAIT) != 0;
}

/** Copies out of the buffered pop into `out`; consumes unless peeking. */
std::size_t copy_received(SluiceSocket& socket, IoCursor& out, bool peek) {
  uint32_t segment = socket.rx_segment;
  uint32_t offset = socket.rx_offset;
  std::size_t copied = 0;
  while (segment < socket.rx.numsegs) {
    const sl_sgaseg_t& seg = socket.rx.segs[segment];
    const std::size_t n = out.fill(static_cast<const char*>(seg.buf) + offset, seg.len - offset);
    if (n == 0 && seg.len > offset) break;  // the application's buffers are full
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

void copy_address(const sockaddr_in& from, void* addr, socklen_t* addrlen) {
  if (addr == nullptr || addrlen == nullptr) return;
  std::memcpy(addr, &from, std::min<socklen_t>(*addrlen, sizeof from));
  *addrlen = sizeof from;
}

std::size_t datagram_length(const sl_sga_t& sga) {
  std::size_t bytes = 0;
  for (uint32_t i = 0; i < sga.numsegs; ++i) bytes += sga.segs[i].len;
  return bytes;
}

ssize_t receive_datagram(SluiceSocket& socket, IoCursor& out, int flags, struct msghdr* msg) {
  const sockaddr_in from = socket.rx.addr;
  const std::size_t length = datagram_length(socket.rx);
  const std::size_t copied = copy_received(socket, out, true);
  if ((flags & MSG_PEEK) == 0) {  // the rest of a datagram that did not fit is dropped, as Linux does
    sl_sga_free(&socket.rx);
    socket.rx_ready = false;
    arm_pop(socket);
  }
  if (copied < length) msg->msg_flags |= MSG_TRUNC;
  copy_address(from, msg->msg_name, &msg->msg_namelen);
  return static_cast<ssize_t>((flags & MSG_TRUNC) != 0 ? length : copied);
}

/** One push: a datagram (`to` set) whole, stream bytes up to push_chunk, taken from `in`. The
 *  count, or -errno (-EAGAIN when out of buffers, -EMSGSIZE for a datagram larger than an sga
 *  holds); `in` only moves on success. */
ssize_t push_once(SluiceSocket& socket, IoCursor& in, std::size_t len, const sockaddr_in* to) {
  sl_sga_t sga{};
  std::size_t chunk = to != nullptr ? len : std::min(len, push_chunk);
  if (chunk == 0) {
    // An empty datagram: the LibOS sends a one-byte sga trimmed to zero.
    int rc = sl_sga_alloc(1, &sga);
    if (rc < 0) return rc == -ENOMEM ? -EAGAIN : rc;
    sga.segs[0].len = 0;
  } else {
    int rc = sl_sga_alloc(chunk, &sga);
    while (rc == -EMSGSIZE && to == nullptr && chunk > 1) {
      push_chunk = chunk = chunk / 2;
      rc = sl_sga_alloc(chunk, &sga);
    }
    if (rc == -ENOMEM) return -EAGAIN;
    if (rc < 0) return rc;
  }
  IoCursor from = in;
  for (uint32_t i = 0; i < sga.numsegs; ++i) from.drain(static_cast<char*>(sga.segs[i].buf), sga.segs[i].len);
  const sl_qtoken_t qt = to == nullptr ? sl_push(socket.qd, &sga)
                                       : sl_pushto(socket.qd, &sga, reinterpret_cast<const sockaddr*>(to), sizeof *to);
  if (qt < 0) {
    sl_sga_free(&sga);
    return qt;
  }
  in = from;
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

ssize_t send_stream(SluiceSocket& socket, IoCursor& in, int flags) {
  const std::size_t len = in.remaining();
  std::size_t sent = 0;
  while (sent < len || len == 0) {
    make_progress();
    if (socket.tx_error != 0 || socket.state == SocketState::failed || socket.shut_write) {
      if (sent > 0) return static_cast<ssize_t>(sent);
      if (socket.so_error != 0) return -take_error(socket, EPIPE);  // a failed connect, once
      return broken_pipe(flags);
    }
    if (socket.state == SocketState::fresh || socket.state == SocketState::listening) return -ENOTCONN;
    const bool room = socket.state == SocketState::connected && socket.pushes_in_flight < max_pushes();
    ssize_t n = room ? (len == 0 ? 0 : push_once(socket, in, len - sent, nullptr)) : -EAGAIN;
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

ssize_t send_datagram(SluiceSocket& socket, IoCursor& in, int flags, const void* addr, socklen_t addrlen) {
  sockaddr_in to{};
  if (addr != nullptr) {
    if (addrlen < sizeof to || static_cast<const sockaddr*>(addr)->sa_family != AF_INET) return -EINVAL;
    std::memcpy(&to, addr, sizeof to);
  } else if (socket.has_peer) {
    to = socket.peer;
  } else {
    return -EDESTADDRREQ;
  }
  const std::size_t len = in.remaining();
  for (;;) {
    make_progress();
    const ssize_t n = socket.pushes_in_flight < max_pushes() ? push_once(socket, in, len, &to) : -EAGAIN;
    if (n >= 0) {
      socket.bound = true;  // pushto binds an ephemeral port, as sendto does
      arm_pop(socket);
      return n;
    }
    if (n != -EAGAIN || would_block(socket, flags)) return n;
    wait_for(socket, POLLOUT);
  }
}

/** One receive into `msg` (its iovecs, name and flags). */
ssize_t receive(SluiceSocket& socket, struct msghdr* msg, int flags) {
  if ((flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC | MSG_WAITALL | MSG_TRUNC)) != 0)
    return -EOPNOTSUPP;
  if (socket.tcp && (flags & MSG_TRUNC) != 0) return -EOPNOTSUPP;  // discarding stream bytes: not kept
  if (socket.tcp && (socket.state == SocketState::fresh || socket.state == SocketState::listening)) return -ENOTCONN;
  msg->msg_flags = 0;
  msg->msg_controllen = 0;  // no ancillary data is ever delivered
  IoCursor out{msg->msg_iov, msg->msg_iovlen};
  // MSG_WAITALL on a stream: keep reading until the buffers are full (or the stream ends).
  const bool wait_all = socket.tcp && (flags & (MSG_WAITALL | MSG_PEEK | MSG_DONTWAIT)) == MSG_WAITALL;
  std::size_t total = 0;
  for (;;) {
    make_progress();
    if (socket.rx_ready) {
      if (!socket.tcp) return receive_datagram(socket, out, flags, msg);
      total += copy_received(socket, out, (flags & MSG_PEEK) != 0);
      msg->msg_namelen = 0;  // as Linux on a connected stream
      if (!wait_all || out.remaining() == 0) return static_cast<ssize_t>(total);
      continue;
    }
    if (total > 0 && (socket.eof || socket.rx_error != 0)) return static_cast<ssize_t>(total);
    if (socket.rx_error != 0) {
      const int error = socket.rx_error;
      socket.rx_error = 0;
      socket.eof = true;  // reported once; reads after it see end of stream, as on Linux
      return -error;
    }
    if (socket.eof) return 0;
    // A failed connect: its error once, then end of stream (Linux marks the socket done).
    if (socket.state == SocketState::failed) return socket.so_error != 0 ? -take_error(socket, 0) : 0;
    arm_pop(socket);
    if (would_block(socket, flags)) return total > 0 ? static_cast<ssize_t>(total) : -EAGAIN;
    wait_for(socket, POLLIN);
  }
}

ssize_t send(SluiceSocket& socket, const struct msghdr* msg, int flags) {
  if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE)) != 0) return -EOPNOTSUPP;
  if (msg->msg_controllen != 0) return -EOPNOTSUPP;  // no ancillary data (IP_PKTINFO, ...) yet
  IoCursor in{msg->msg_iov, msg->msg_iovlen};
  if (socket.tcp) {
    if (msg->msg_name != nullptr && socket.state == SocketState::connected) return -EISCONN;
    return send_stream(socket, in, flags);
  }
  return send_datagram(socket, in, flags, msg->msg_name, msg->msg_namelen);
}

bool is_loopback(const struct sockaddr* addr, socklen_t len) {
  if (addr == nullptr || len < sizeof(sockaddr_in) || addr->sa_family != AF_INET) return false;
  sockaddr_in in{};
  std::memcpy(&in, addr, sizeof in);
  return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
}

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
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  // Loopback is the kernel's: the socket moves there before anything happened on Sluice.
  if (is_loopback(addr, len) && socket->state == SocketState::fresh && !socket->bound) {
    const int rc = hand_to_kernel(socket);
    return rc < 0 ? rc : SLP_PASSTHROUGH;
  }
  const int rc = sl_bind(socket->qd, addr, len);
  if (rc == 0) {
    socket->bound = true;
    if (!socket->tcp) arm_pop(*socket);
  }
  return rc;
}

extern "C" int slp_listen(int fd, int backlog) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  // Linux lets listen() run again on a listener to change its backlog (nginx does at start); the
  // LibOS's listener keeps the backlog it has.
  if (socket->state == SocketState::listening) return 0;
  const int rc = sl_listen(socket->qd, backlog);
  if (rc < 0) return rc;
  socket->state = SocketState::listening;
  arm_accept(*socket);
  return 0;
}

extern "C" int slp_accept(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* listener = socket_of_fd(fd);
  if (listener == nullptr) return -EBADF;
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
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  if (is_loopback(addr, len) && socket->state == SocketState::fresh && !socket->bound) {
    const int rc = hand_to_kernel(socket);
    return rc < 0 ? rc : SLP_PASSTHROUGH;
  }
  if (!socket->tcp) {
    if (addr == nullptr || len < sizeof(sa_family_t)) return -EINVAL;
    if (addr->sa_family == AF_UNSPEC) {
      socket->has_peer = false;
      return 0;
    }
    if (len < sizeof(sockaddr_in)) return -EINVAL;
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

extern "C" ssize_t slp_recvmsg(int fd, struct msghdr* msg, int flags) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  return receive(*socket, msg, flags);
}

extern "C" ssize_t slp_sendmsg(int fd, const struct msghdr* msg, int flags) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  return send(*socket, msg, flags);
}

extern "C" ssize_t slp_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr, socklen_t* addrlen) {
  struct iovec one {buf, len};
  struct msghdr msg {};
  msg.msg_iov = &one;
  msg.msg_iovlen = 1;
  msg.msg_name = addrlen != nullptr ? addr : nullptr;
  msg.msg_namelen = addrlen != nullptr ? *addrlen : 0;
  const ssize_t n = slp_recvmsg(fd, &msg, flags);
  if (n >= 0 && addr != nullptr && addrlen != nullptr) *addrlen = msg.msg_namelen;
  return n;
}

extern "C" ssize_t slp_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* addr,
                              socklen_t addrlen) {
  struct iovec one {const_cast<void*>(buf), len};
  struct msghdr msg {};
  msg.msg_iov = &one;
  msg.msg_iovlen = 1;
  msg.msg_name = const_cast<struct sockaddr*>(addr);
  msg.msg_namelen = addrlen;
  return slp_sendmsg(fd, &msg, flags);
}

extern "C" int slp_recvmmsg(int fd, struct mmsghdr* msgs, unsigned int vlen, int flags, struct timespec* timeout) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  if (timeout != nullptr) return -EOPNOTSUPP;  // recvmmsg's timeout is rarely used and not kept yet
  unsigned int done = 0;
  int each = flags & ~MSG_WAITFORONE;
  while (done < vlen) {
    const ssize_t n = receive(*socket, &msgs[done].msg_hdr, each);
    if (n < 0) return done > 0 ? static_cast<int>(done) : static_cast<int>(n);
    msgs[done].msg_len = static_cast<unsigned int>(n);
    ++done;
    if ((flags & MSG_WAITFORONE) != 0) each |= MSG_DONTWAIT;
    if (socket->tcp && n == 0) break;
  }
  return static_cast<int>(done);
}

extern "C" int slp_sendmmsg(int fd, struct mmsghdr* msgs, unsigned int vlen, int flags) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  unsigned int done = 0;
  while (done < vlen) {
    const ssize_t n = send(*socket, &msgs[done].msg_hdr, flags);
    if (n < 0) return done > 0 ? static_cast<int>(done) : static_cast<int>(n);
    msgs[done].msg_len = static_cast<unsigned int>(n);
    ++done;
  }
  return static_cast<int>(done);
}

extern "C" int slp_close(int fd) {
  const std::lock_guard guard(libos_lock());
  return close_placeholder(fd);
}

extern "C" int slp_shutdown(int fd, int how) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return -EINVAL;
  if (socket->tcp && socket->state != SocketState::connected) return -ENOTCONN;
  if (how != SHUT_WR) socket->eof = true;
  if (how != SHUT_RD && socket->tcp && !socket->shut_write) {
    socket->shut_write = true;  // FIN leaves once the pushes in flight are in the stack
    finish_shutdown(*socket);
  }
  return 0;
}

extern "C" int slp_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  const int rc = sl_setsockopt(socket->qd, level, name, value, len);
  if (rc == 0) remember_option(*socket, level, name, value, len);
  return rc;
}

extern "C" int slp_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  if (level == SOL_SOCKET && (name == SO_ERROR || name == SO_TYPE || name == SO_DOMAIN || name == SO_ACCEPTCONN ||
                              name == SO_PROTOCOL)) {
    if (value == nullptr || len == nullptr || *len < sizeof(int)) return -EINVAL;
    int answer = AF_INET;
    if (name == SO_TYPE) answer = socket->tcp ? SOCK_STREAM : SOCK_DGRAM;
    if (name == SO_PROTOCOL) answer = socket->tcp ? IPPROTO_TCP : IPPROTO_UDP;
    if (name == SO_ACCEPTCONN) answer = socket->state == SocketState::listening ? 1 : 0;
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
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  return sl_getsockname(socket->qd, addr, len);
}

extern "C" int slp_getpeername(int fd, struct sockaddr* addr, socklen_t* len) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
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
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
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
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const int copy = real_libc().fcntl(fd, cmd, arg);  // a new placeholder for the same socket
      if (copy < 0) return -errno;
      return add_reference(socket, copy);
    }
    default: return -EINVAL;  // locks and leases of sockets are not supported
  }
}

extern "C" int slp_dup3(int oldfd, int newfd, int flags, int dup2_semantics) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(oldfd);
  if (oldfd == newfd) {
    if (!dup2_semantics) return -EINVAL;
    return socket != nullptr || real_libc().fcntl(oldfd, F_GETFD) >= 0 ? newfd : -EBADF;
  }
  if (socket == nullptr && real_libc().fcntl(oldfd, F_GETFD) < 0) return -EBADF;
  // The kernel closes whatever newfd was as part of dup3; Sluice lets go of it first.
  if (SluiceSocket* replaced = socket_of_fd(newfd)) drop_reference(replaced, newfd, false);
  forget_epoll_set(newfd);
  const int rc = real_libc().dup3(oldfd, newfd, flags);
  if (rc < 0) return -errno;
  return socket != nullptr ? add_reference(socket, rc) : rc;
}

extern "C" int slp_dup(int fd) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  const int copy = real_libc().fcntl(fd, F_DUPFD, 0);
  if (copy < 0) return -errno;
  return add_reference(socket, copy);
}

extern "C" int slp_ioctl(int fd, unsigned long request, void* arg) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  if (arg == nullptr && request != FIOCLEX && request != FIONCLEX) return -EFAULT;
  if (request == FIONBIO) {
    socket->nonblocking = *static_cast<const int*>(arg) != 0;
    return 0;
  }
  if (request == FIOCLEX || request == FIONCLEX) {  // close-on-exec is the placeholder's
    return real_libc().fcntl(fd, F_SETFD, request == FIOCLEX ? FD_CLOEXEC : 0) < 0 ? -errno : 0;
  }
  if (request == FIONREAD) {
    make_progress();
    *static_cast<int*>(arg) = static_cast<int>(readable_bytes(*socket));
    return 0;
  }
  return -ENOTTY;
}

extern "C" ssize_t slp_sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
  // The file's bytes go through a buffer kept per thread (made once): read, then a normal send.
  thread_local std::unique_ptr<char[]> chunk(new char[65536]);
  const std::size_t want = std::min<std::size_t>(count, 65536);
  const ssize_t got = offset != nullptr ? pread(in_fd, chunk.get(), want, *offset) : read(in_fd, chunk.get(), want);
  if (got <= 0) return got < 0 ? -errno : 0;
  const ssize_t sent = slp_sendto(out_fd, chunk.get(), static_cast<std::size_t>(got), 0, nullptr, 0);
  const ssize_t moved = sent < 0 ? 0 : sent;
  if (offset != nullptr) *offset += moved;
  else if (moved < got) lseek(in_fd, moved - got, SEEK_CUR);  // give back what was read but not sent
  return sent;
}
