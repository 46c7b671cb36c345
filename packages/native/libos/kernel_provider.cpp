#include "libos/kernel_provider.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "libos/kernel/sockets.hpp"
#include "sluice/libos.h"
#include "util/error.hpp"

namespace sluice::libos {

namespace {

using kernel::Completion;
using kernel::Mode;
using kernel::Transport;

constexpr std::size_t kCompletionBatch = 256;  // completions harvested per poll at most
constexpr std::uint32_t kStagingSlots = 64;
constexpr std::uint32_t kStagingSlotSize = 65536;  // any UDP datagram fits
// Provided receive buffers: 512 of 16 KiB (8 MiB). One receive completion carries at most one
// buffer, so a UDP datagram larger than this is truncated, as recv(2) into a 16 KiB buffer would.
constexpr std::uint32_t kReceiveBuffers = 512;
constexpr std::uint32_t kReceiveBufferSize = 16384;

kernel::EngineConfig engine_config() {
  kernel::EngineConfig config;
  config.buffer_count = kReceiveBuffers;
  config.buffer_size = kReceiveBufferSize;
  config.op_slots = 4096;
  config.max_fd = KernelProvider::kMaxFd;
  return config;
}

sockaddr_in to_sockaddr(Endpoint endpoint) { return kernel::ipv4(endpoint.address.value, endpoint.port); }

Endpoint to_endpoint(const sockaddr_in& address) {
  return {wire::Ipv4Address{ntohl(address.sin_addr.s_addr)}, ntohs(address.sin_port)};
}

}  // namespace

KernelProvider::KernelProvider(const LibosConfig& config)
    : engine_(engine_config()),
      busy_poll_(config.instance.busy_poll),
      newreno_(config.instance.tcp_congestion == socket::tcp::CongestionAlgorithm::newreno),
      address_(config.instance.address),
      send_ring_size_(config.instance.tcp_buffer),
      receive_buffer_(config.instance.tcp_receive_buffer != 0 ? config.instance.tcp_receive_buffer : config.instance.tcp_buffer),
      sockets_(kMaxFd),
      received_(kReceiveBuffers),
      completions_(kCompletionBatch),
      events_(kCompletionBatch * 2),
      staging_(std::size_t{kStagingSlots} * kStagingSlotSize) {
  const std::uint32_t rings = config.instance.tcp_connections;
  send_rings_bytes_ = std::size_t{rings} * send_ring_size_;
  void* memory = ::mmap(nullptr, send_rings_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) throw_errno(errno, "kernel backend: cannot map the TCP send rings");
  send_rings_ = static_cast<std::uint8_t*>(memory);
  free_rings_.reserve(rings);
  for (std::uint32_t i = rings; i > 0; --i) free_rings_.push_back(static_cast<std::int32_t>(i - 1));
  free_staging_.reserve(kStagingSlots);
  for (std::uint32_t i = kStagingSlots; i > 0; --i) free_staging_.push_back(static_cast<std::int32_t>(i - 1));
}

KernelProvider::~KernelProvider() {
  // Closes already in the ring finish first (a second close(2) could hit a reused fd number);
  // the rest are closed here. The engine's destructor then tears the ring down.
  engine_.submit();
  for (int i = 0; i < 200 && closes_pending_ > 0; ++i) {
    engine_.wait(std::chrono::milliseconds(5));
    begin_poll(Instant{}, 0);
    engine_.submit();
  }
  for (std::size_t fd = 0; fd < sockets_.size(); ++fd) {
    if (sockets_[fd].kind != Kind::free && !sockets_[fd].close_started) ::close(static_cast<int>(fd));
  }
  ::munmap(send_rings_, send_rings_bytes_);
}

std::uint64_t KernelProvider::token(int fd, TokenKind kind) const {
  const std::uint64_t generation = sockets_[static_cast<std::size_t>(fd)].generation & 0xffffff;
  return (generation << 40) | (static_cast<std::uint64_t>(fd) << 8) | static_cast<std::uint8_t>(kind);
}

bool KernelProvider::current(const Completion& c, int fd) const {
  if (fd < 0 || static_cast<std::size_t>(fd) >= sockets_.size()) return false;
  return (c.token >> 40) == (sockets_[static_cast<std::size_t>(fd)].generation & 0xffffff);
}

Instant KernelProvider::now() const { return monotonic_now(); }

KernelProvider::Socket* KernelProvider::socket_at(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= sockets_.size()) return nullptr;
  Socket& s = sockets_[static_cast<std::size_t>(fd)];
  return s.kind == Kind::free || s.closing ? nullptr : &s;
}

const KernelProvider::Socket* KernelProvider::socket_at(int fd) const {
  return const_cast<KernelProvider*>(this)->socket_at(fd);
}

int KernelProvider::adopt(int fd, Kind kind) {
  if (fd < 0) return fd;
  if (static_cast<std::size_t>(fd) >= sockets_.size()) {
    ::close(fd);
    return -EMFILE;
  }
  Socket& s = sockets_[static_cast<std::size_t>(fd)];
  const std::uint32_t generation = s.generation + 1;
  s = Socket{};
  s.generation = generation;
  s.kind = kind;
  return fd;
}

void KernelProvider::reset(int fd) {
  Socket& s = sockets_[static_cast<std::size_t>(fd)];
  const std::uint32_t generation = s.generation;
  s = Socket{};
  s.generation = generation;
}

void KernelProvider::discard(int fd) {
  ::close(fd);
  reset(fd);
}

void KernelProvider::push_event(int fd, ProviderEventKind kind, int error) {
  if (event_count_ == events_.size()) return;  // cannot happen: at most one event per completion
  events_[(event_head_ + event_count_) % events_.size()] = {fd, kind, error};
  ++event_count_;
}

bool KernelProvider::next_event(ProviderEvent& out) {
  if (event_count_ == 0) return false;
  out = events_[event_head_];
  event_head_ = (event_head_ + 1) % events_.size();
  --event_count_;
  return true;
}

std::size_t KernelProvider::begin_poll(Instant, std::size_t budget) {
  std::span<Completion> out(completions_);
  if (budget != 0 && budget < out.size()) out = out.first(budget);
  in_poll_ = true;
  const std::size_t n = engine_.harvest(out);
  for (std::size_t i = 0; i < n; ++i) handle(completions_[i]);
  return n;
}

void KernelProvider::end_poll(Instant) {
  in_poll_ = false;
  engine_.submit();
}

bool KernelProvider::idle(Instant deadline) {
  if (busy_poll_) return true;
  // Sleep in the ring until a completion (the engine submits anything pending first), capped so
  // the caller re-checks its own deadline.
  std::uint64_t ms = 50;
  if (!deadline.is_never()) ms = std::min<std::uint64_t>(ms, (deadline - monotonic_now()).nanos / 1'000'000);
  engine_.wait(std::chrono::milliseconds(ms));
  return true;
}

// ---- completions --------------------------------------------------------------------------------

void KernelProvider::handle(const Completion& c) {
  const auto kind = static_cast<TokenKind>(c.token & 0xff);
  const auto id = static_cast<int>((c.token >> 8) & 0xffffffff);
  if (kind == TokenKind::udp_send) {
    if (c.result < 0) ++stats_.udp_send_errors;
    free_staging_.push_back(id);
    return;
  }
  if (kind == TokenKind::close) {
    if (c.more) return;
    --closes_pending_;
    if (current(c, id)) reset(id);  // the fd is closed: the kernel may hand the number out again
    return;
  }
  if (kind != TokenKind::accept && !current(c, id)) {
    // A socket closed since: its buffers go back, nothing else is left to do.
    if (!c.data.empty()) engine_.release(c.buffer);
    return;
  }
  switch (kind) {
    case TokenKind::accept: handle_accept(c); return;
    case TokenKind::recv: handle_receive(c); return;
    case TokenKind::send: handle_send(c); return;
    case TokenKind::connect: {
      Socket& s = sockets_[static_cast<std::size_t>(id)];
      if (s.kind != Kind::connection || s.closing) return;  // closed before it connected
      if (c.result == 0) {
        s.established = true;
        if (const int rc = arm_receive(id, false); rc < 0) {
          s.error = -rc;
          push_event(id, ProviderEventKind::failed, s.error);
          return;
        }
        push_event(id, ProviderEventKind::connected);
      } else {
        s.error = -c.result;
        push_event(id, ProviderEventKind::failed, s.error);
      }
      return;
    }
    case TokenKind::udp_send:
    case TokenKind::close: return;  // handled above
  }
}

void KernelProvider::handle_accept(const Completion& c) {
  const int listener = c.fd;
  Socket& l = sockets_[static_cast<std::size_t>(listener)];
  const bool listening = current(c, listener) && l.kind == Kind::listener && !l.closing;
  if (c.result >= 0) {
    if (!listening) {
      ::close(c.result);  // accepted just before its listener closed
    } else if (const int fd = adopt(c.result, Kind::accepted); fd < 0) {
      ++stats_.accepts_dropped;
    } else {
      Socket& s = sockets_[static_cast<std::size_t>(fd)];
      s.peer = to_endpoint(c.peer);
      if (l.accept_tail >= 0) {
        sockets_[static_cast<std::size_t>(l.accept_tail)].next_accepted = fd;
      } else {
        l.accept_head = fd;
      }
      l.accept_tail = fd;
      push_event(listener, ProviderEventKind::acceptable);
    }
  }
  // A stream that ended on its own (not by our close) is armed again: a listener keeps listening.
  if (!c.more && listening) engine_.accept(listener, token(listener, TokenKind::accept), Mode::stream);
}

void KernelProvider::queue_received(Socket& s, const Completion& c) {
  Received& r = received_[c.buffer];
  r.data = c.data;
  r.offset = 0;
  r.next = -1;
  r.from = to_endpoint(c.peer);
  if (s.rx_tail >= 0) {
    received_[static_cast<std::size_t>(s.rx_tail)].next = c.buffer;
  } else {
    s.rx_head = c.buffer;
  }
  s.rx_tail = c.buffer;
}

void KernelProvider::drop_received(Socket& s) {
  while (s.rx_head >= 0) {
    const std::int32_t buffer = s.rx_head;
    s.rx_head = received_[static_cast<std::size_t>(buffer)].next;
    engine_.release(static_cast<kernel::BufferId>(buffer));
  }
  s.rx_tail = -1;
}

void KernelProvider::handle_receive(const Completion& c) {
  Socket& s = sockets_[static_cast<std::size_t>(c.fd)];
  const bool open = (s.kind == Kind::connection || s.kind == Kind::udp) && !s.closing;
  if (!c.data.empty()) {
    if (!open) {
      engine_.release(c.buffer);
      return;
    }
    const bool was_empty = s.rx_head < 0;
    queue_received(s, c);
    if (was_empty && s.kind == Kind::connection) push_event(c.fd, ProviderEventKind::readable);
  }
  if (!open || c.more) return;
  if (s.kind == Kind::udp) {
    // Datagram sockets have no end of stream: an error ends only this receive.
    if (c.result != -ECANCELED) arm_receive(c.fd, true);
    return;
  }
  if (c.result == 0) {
    s.end_of_stream = true;
    push_event(c.fd, ProviderEventKind::readable);
  } else if (c.result < 0) {
    s.error = -c.result;
    push_event(c.fd, ProviderEventKind::failed, s.error);
  } else {
    arm_receive(c.fd, false);  // the last completion carried data: keep receiving
  }
}

void KernelProvider::handle_send(const Completion& c) {
  Socket& s = sockets_[static_cast<std::size_t>(c.fd)];
  if (s.kind != Kind::connection || s.close_started) return;
  if (c.result < 0) {
    s.in_flight = 0;
    if (s.closing) {
      start_close(c.fd, s);
      return;
    }
    s.error = -c.result;
    push_event(c.fd, ProviderEventKind::failed, s.error);
    return;
  }
  s.ring_head = (s.ring_head + s.in_flight) % send_ring_size_;
  s.ring_used -= s.in_flight;
  s.in_flight = 0;
  if (s.ring_used == 0) s.ring_head = 0;  // an empty ring starts over: few pages ever touched
  if (s.ring_used > 0) {
    start_send(c.fd, s);
  } else if (s.closing) {
    start_close(c.fd, s);
    return;
  }
  if (s.want_writable && !s.closing) {
    s.want_writable = false;
    push_event(c.fd, ProviderEventKind::writable);
  }
}

int KernelProvider::arm_receive(int fd, bool datagrams) {
  const std::uint64_t t = token(fd, TokenKind::recv);
  return datagrams ? engine_.recvfrom(fd, t, Mode::stream) : engine_.recv(fd, t, Mode::stream);
}

void KernelProvider::start_send(int fd, Socket& s) {
  // The contiguous span from the head: the rest, after a wrap, goes with the next send.
  const std::uint32_t span = std::min(s.ring_used, send_ring_size_ - s.ring_head);
  const auto* bytes = reinterpret_cast<const std::byte*>(ring_bytes(s) + s.ring_head);
  const int rc = engine_.send(fd, {bytes, span}, token(fd, TokenKind::send));
  if (rc < 0) {
    s.error = -rc;
    push_event(fd, ProviderEventKind::failed, s.error);
    return;
  }
  s.in_flight = span;
}

void KernelProvider::start_close(int fd, Socket& s) {
  s.closing = true;
  s.close_started = true;
  drop_received(s);
  if (s.ring >= 0) free_rings_.push_back(s.ring);
  s.ring = -1;
  if (engine_.close(fd, token(fd, TokenKind::close)) < 0) {
    discard(fd);  // no slot even for close (the engine keeps one): close synchronously, not leak
    return;
  }
  ++closes_pending_;
}

// ---- UDP ----------------------------------------------------------------------------------------

int KernelProvider::udp_bind(Endpoint local) {
  if (local.address.is_unspecified()) local.address = address_;
  const int fd = adopt(kernel::open_socket(Transport::udp), Kind::udp);
  if (fd < 0) return fd;
  int rc = kernel::bind_socket(fd, to_sockaddr(local));
  if (rc == 0) rc = arm_receive(fd, true);
  if (rc < 0) {
    discard(fd);
    return rc;
  }
  flush();
  return fd;
}

int KernelProvider::udp_connect(int socket, Endpoint remote) {
  if (socket_at(socket) == nullptr) return -EBADF;
  const sockaddr_in address = to_sockaddr(remote);
  return ::connect(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 ? 0 : -errno;
}

int KernelProvider::udp_send_to(int socket, Endpoint to, std::span<const std::span<const std::uint8_t>> segments) {
  const Socket* s = socket_at(socket);
  if (s == nullptr || s->kind != Kind::udp) return -EBADF;
  std::size_t total = 0;
  for (const auto& segment : segments) total += segment.size();
  if (total > kStagingSlotSize) return -EMSGSIZE;
  const sockaddr_in address = to_sockaddr(to);
  if (free_staging_.empty()) {
    // Every staging slot is in the ring: send this one directly from the caller's segments.
    iovec iov[SL_SGA_MAX_SEGMENTS];
    const std::size_t count = std::min<std::size_t>(segments.size(), SL_SGA_MAX_SEGMENTS);
    for (std::size_t i = 0; i < count; ++i) iov[i] = {const_cast<std::uint8_t*>(segments[i].data()), segments[i].size()};
    msghdr message{};
    message.msg_name = const_cast<sockaddr_in*>(&address);
    message.msg_namelen = sizeof address;
    message.msg_iov = iov;
    message.msg_iovlen = count;
    ++stats_.udp_sent_direct;
    return ::sendmsg(socket, &message, MSG_DONTWAIT) < 0 ? -errno : 0;
  }
  const std::int32_t slot = free_staging_.back();
  std::uint8_t* staged = staging_.data() + static_cast<std::size_t>(slot) * kStagingSlotSize;
  std::size_t offset = 0;
  for (const auto& segment : segments) {
    std::memcpy(staged + offset, segment.data(), segment.size());
    offset += segment.size();
  }
  const int rc = engine_.sendto(socket, {reinterpret_cast<const std::byte*>(staged), total}, address, slot_token(slot));
  if (rc < 0) return rc;
  free_staging_.pop_back();
  flush();
  return 0;
}

long KernelProvider::udp_peek(int socket) {
  const Socket* s = socket_at(socket);
  if (s == nullptr || s->kind != Kind::udp) return -EBADF;
  if (s->rx_head < 0) return -EAGAIN;
  return static_cast<long>(received_[static_cast<std::size_t>(s->rx_head)].data.size());
}

long KernelProvider::udp_receive(int socket, std::span<const std::span<std::uint8_t>> segments, Endpoint& from) {
  Socket* s = socket_at(socket);
  if (s == nullptr || s->kind != Kind::udp) return -EBADF;
  if (s->rx_head < 0) return -EAGAIN;
  const std::int32_t buffer = s->rx_head;
  const Received& r = received_[static_cast<std::size_t>(buffer)];
  std::size_t offset = 0;
  for (const auto& segment : segments) {
    const std::size_t n = std::min(segment.size(), r.data.size() - offset);
    std::memcpy(segment.data(), r.data.data() + offset, n);
    offset += n;
  }
  from = r.from;
  const auto size = static_cast<long>(r.data.size());
  s->rx_head = r.next;
  if (s->rx_head < 0) s->rx_tail = -1;
  engine_.release(static_cast<kernel::BufferId>(buffer));
  return size;
}

void KernelProvider::udp_close(int socket) {
  Socket* s = socket_at(socket);
  if (s == nullptr || s->kind != Kind::udp) return;
  start_close(socket, *s);
  flush();
}

Endpoint KernelProvider::udp_local(int socket) const {
  sockaddr_in address{};
  if (socket_at(socket) == nullptr || kernel::local_address(socket, address) < 0) return {};
  return to_endpoint(address);
}

// ---- TCP ----------------------------------------------------------------------------------------

int KernelProvider::tcp_listen(Endpoint local, std::uint32_t backlog) {
  if (local.address.is_unspecified()) local.address = address_;
  const int fd = adopt(kernel::open_socket(Transport::tcp), Kind::listener);
  if (fd < 0) return fd;
  int rc = kernel::bind_socket(fd, to_sockaddr(local));
  if (rc == 0) rc = kernel::listen_socket(fd, static_cast<int>(std::min<std::uint32_t>(backlog, 4096)));
  if (rc == 0) rc = engine_.accept(fd, token(fd, TokenKind::accept), Mode::stream);
  if (rc < 0) {
    discard(fd);
    return rc;
  }
  flush();
  return fd;
}

int KernelProvider::tcp_accept(int listener, Endpoint& peer) {
  Socket* l = socket_at(listener);
  if (l == nullptr || l->kind != Kind::listener) return -EBADF;
  while (l->accept_head >= 0) {
    const int fd = l->accept_head;
    Socket& s = sockets_[static_cast<std::size_t>(fd)];
    l->accept_head = s.next_accepted;
    if (l->accept_head < 0) l->accept_tail = -1;
    s.next_accepted = -1;
    int rc = -EMFILE;  // every send ring is taken: tcp.max_connections connections are open
    if (!free_rings_.empty()) rc = arm_receive(fd, false);
    if (rc < 0) {
      discard(fd);
      return rc;
    }
    s.kind = Kind::connection;
    s.established = true;
    s.ring = free_rings_.back();
    free_rings_.pop_back();
    peer = s.peer;
    if (newreno_) tcp_set_option(fd, TcpOption::congestion_newreno, true);
    flush();
    return fd;
  }
  return -EAGAIN;
}

int KernelProvider::tcp_connect(Endpoint remote) {
  if (free_rings_.empty()) return -EMFILE;
  const int fd = adopt(kernel::open_socket(Transport::tcp), Kind::connection);
  if (fd < 0) return fd;
  // Binding first fixes the local endpoint now, so the core can report it before the handshake.
  int rc = kernel::bind_socket(fd, kernel::ipv4(address_.value, 0));
  if (rc == 0 && newreno_) rc = tcp_set_option(fd, TcpOption::congestion_newreno, true);
  const sockaddr_in address = to_sockaddr(remote);
  if (rc == 0) rc = engine_.connect(fd, address, token(fd, TokenKind::connect));
  if (rc < 0) {
    discard(fd);
    return rc;
  }
  Socket& s = sockets_[static_cast<std::size_t>(fd)];
  s.ring = free_rings_.back();
  free_rings_.pop_back();
  s.peer = remote;
  flush();
  return fd;
}

long KernelProvider::tcp_send(int socket, std::span<const std::uint8_t> bytes) {
  Socket* s = socket_at(socket);
  if (s == nullptr || s->kind != Kind::connection) return -EBADF;
  if (s->error != 0) return -s->error;
  if (!s->established) return -ENOTCONN;
  const std::uint32_t space = send_ring_size_ - s->ring_used;
  const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(space, bytes.size()));
  if (n == 0) {
    s->want_writable = true;
    return -EAGAIN;
  }
  // Copy in at the tail, in two pieces when it wraps.
  const std::uint32_t tail = (s->ring_head + s->ring_used) % send_ring_size_;
  const std::uint32_t first = std::min(n, send_ring_size_ - tail);
  std::memcpy(ring_bytes(*s) + tail, bytes.data(), first);
  std::memcpy(ring_bytes(*s), bytes.data() + first, n - first);
  s->ring_used += n;
  if (n < bytes.size()) s->want_writable = true;
  if (s->in_flight == 0) {
    start_send(socket, *s);
    flush();
  }
  return n;
}

long KernelProvider::tcp_receive(int socket, std::span<std::uint8_t> out) {
  Socket* s = socket_at(socket);
  if (s == nullptr || s->kind != Kind::connection) return -EBADF;
  std::size_t copied = 0;
  while (s->rx_head >= 0 && copied < out.size()) {
    const std::int32_t buffer = s->rx_head;
    Received& r = received_[static_cast<std::size_t>(buffer)];
    const std::size_t n = std::min(out.size() - copied, r.data.size() - r.offset);
    std::memcpy(out.data() + copied, r.data.data() + r.offset, n);
    copied += n;
    r.offset += static_cast<std::uint32_t>(n);
    if (r.offset == r.data.size()) {
      s->rx_head = r.next;
      if (s->rx_head < 0) s->rx_tail = -1;
      engine_.release(static_cast<kernel::BufferId>(buffer));
    }
  }
  if (copied > 0) return static_cast<long>(copied);
  if (s->end_of_stream) return 0;
  if (s->error != 0) return -s->error;
  return -EAGAIN;
}

void KernelProvider::tcp_close(int socket, bool abort) {
  Socket* s = socket_at(socket);
  if (s == nullptr) return;
  if (abort && s->kind == Kind::connection) {
    const linger reset{1, 0};
    ::setsockopt(socket, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  }
  if (s->kind == Kind::listener) {
    // Accepted connections nobody took are closed with their listener, as the kernel would.
    while (s->accept_head >= 0) {
      const int fd = s->accept_head;
      s->accept_head = sockets_[static_cast<std::size_t>(fd)].next_accepted;
      discard(fd);
    }
    s->accept_tail = -1;
  }
  s->closing = true;
  // Bytes the core already handed over still leave before the FIN (close(2) would send them too).
  if (abort || s->kind != Kind::connection || s->in_flight == 0) start_close(socket, *s);
  flush();
}

int KernelProvider::tcp_set_option(int socket, TcpOption option, bool on) {
  if (socket_at(socket) == nullptr) return -EBADF;
  int level = IPPROTO_TCP;
  int name = TCP_NODELAY;
  const int flag = on ? 1 : 0;
  const void* value = &flag;
  socklen_t length = sizeof flag;
  switch (option) {
    case TcpOption::nodelay: break;
    case TcpOption::keepalive:
      level = SOL_SOCKET;
      name = SO_KEEPALIVE;
      break;
    case TcpOption::congestion_newreno:
    case TcpOption::congestion_cubic: {
      static const char reno[] = "reno";
      static const char cubic[] = "cubic";
      name = TCP_CONGESTION;
      value = option == TcpOption::congestion_cubic ? cubic : reno;
      length = option == TcpOption::congestion_cubic ? sizeof cubic : sizeof reno;
      break;
    }
  }
  return ::setsockopt(socket, level, name, value, length) == 0 ? 0 : -errno;
}

int KernelProvider::tcp_endpoints(int socket, Endpoint& local, Endpoint& remote) const {
  const Socket* s = socket_at(socket);
  if (s == nullptr) return -EBADF;
  sockaddr_in address{};
  if (const int rc = kernel::local_address(socket, address); rc < 0) return rc;
  local = to_endpoint(address);
  remote = s->kind == Kind::listener ? Endpoint{} : s->peer;
  return 0;
}

bool KernelProvider::tcp_established(int socket) const {
  const Socket* s = socket_at(socket);
  return s != nullptr && s->established;
}

}  // namespace sluice::libos
