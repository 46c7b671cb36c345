// The LibOS core: construction and the synchronous calls (sockets, binding, options, names).
#include "libos/libos.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace sluice::libos {

namespace {
/// Frames the application may hold: as configured, at most a quarter of the device's frames (the
/// rest keep receive and transmit going), none where the provider cannot lend frames.
std::uint32_t frame_budget_for(const Provider& provider, std::uint32_t wanted) {
  if (!provider.lends_frames()) return 0;
  return static_cast<std::uint32_t>(std::min<std::size_t>(wanted, provider.frame_count() / 4));
}
}  // namespace

LibOS::LibOS(std::unique_ptr<Provider> provider, const LibosConfig& config)
    : provider_(std::move(provider)),
      config_(config),
      buffers_(config.libos.buffer_count, config.libos.buffer_size, frame_budget_for(*provider_, config.libos.frame_budget)),
      operations_(config.libos.max_operations),
      queues_(config.libos.max_queues),
      free_queues_(config.libos.max_queues),
      tcp_owner_(provider_->socket_id_limit(), -1) {
  for (std::uint32_t i = 0; i < config.libos.max_queues; ++i) free_queues_[i] = config.libos.max_queues - 1 - i;
  ready_.reserve(config.libos.max_queues);
  parked_.reserve(config.libos.max_queues);
  scratch_.reserve(config.libos.max_queues);
  if (buffers_.frame_slots() > 0) {
    frame_push_.assign(provider_->frame_count(), kNoSlot);
    reclaimed_.resize(64);
  }
  if (provider_->wait_fd() < 0) {
    idle_fd_ = ::eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
    if (idle_fd_ < 0) throw_errno(errno, "cannot create the LibOS eventfd");
  }
}

LibOS::~LibOS() {
  for (Queue& queue : queues_) {
    if (queue.kind == Queue::Kind::free) continue;
    cancel_all(queue);
    release_queue(queue, true);  // tearing down: reset connections rather than leave them half-closed
  }
  // Frames the application still holds go back to the device (sgas it kept become invalid).
  buffers_.release_frames([this](const device::Frame& frame) { provider_->frame_release(frame); });
  if (idle_fd_ >= 0) ::close(idle_fd_);
}

LibOS::Queue* LibOS::queue_of(int qd) {
  if (qd < 0) return nullptr;
  const auto index = static_cast<std::uint32_t>(qd & 0xffff);
  if (index >= queues_.size()) return nullptr;
  Queue& queue = queues_[index];
  if (queue.kind == Queue::Kind::free || queue.closing || queue.generation != (qd >> 16)) return nullptr;
  return &queue;
}

LibOS::Queue* LibOS::open_queue(Queue::Kind kind) {
  if (free_queues_.empty()) return nullptr;
  Queue& queue = queues_[free_queues_.back()];
  free_queues_.pop_back();
  const std::uint16_t generation = queue.generation;
  queue = Queue{};
  queue.generation = generation;
  queue.kind = kind;
  queue.nodelay = config_.instance.tcp_nodelay;
  queue.keepalive = config_.instance.tcp_keepalive;
  queue.linger = config_.tcp_linger;
  ++queues_in_use_;
  return &queue;
}

void LibOS::free_queue(Queue& queue) {
  if (queue.socket >= 0 && (queue.kind == Queue::Kind::tcp_connection || queue.kind == Queue::Kind::tcp_listener)) {
    tcp_owner_[static_cast<std::size_t>(queue.socket)] = -1;
  }
  queue.kind = Queue::Kind::free;
  queue.socket = -1;
  queue.closing = false;
  // Generations stay in 15 bits so a qd is always a positive int.
  queue.generation = static_cast<std::uint16_t>(queue.generation >= 0x7fff ? 1 : queue.generation + 1);
  free_queues_.push_back(index_of(queue));
  --queues_in_use_;
}

int LibOS::socket(int domain, int type, int protocol) {
  if (domain != AF_INET) return -EAFNOSUPPORT;
  const int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  Queue::Kind kind;
  if (base_type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
    kind = Queue::Kind::tcp;
  } else if (base_type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
    kind = Queue::Kind::udp;
  } else {
    return -EPROTONOSUPPORT;
  }
  Queue* queue = open_queue(kind);
  if (queue == nullptr) return -EMFILE;
  return make_qd(index_of(*queue));
}

int LibOS::bind(int qd, Endpoint local) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->bound || queue->kind == Queue::Kind::tcp_listener || queue->kind == Queue::Kind::tcp_connection) {
    return -EINVAL;
  }
  if (queue->kind == Queue::Kind::udp) {
    const int id = provider_->udp_bind(local);
    if (id < 0) return id;
    queue->socket = id;
    queue->local = provider_->udp_local(id);
  } else {
    queue->local = local;  // a TCP socket binds when it listens
  }
  queue->bound = true;
  return 0;
}

int LibOS::listen(int qd, int backlog) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind == Queue::Kind::udp) return -EOPNOTSUPP;
  if (queue->kind != Queue::Kind::tcp) return -EINVAL;
  if (!queue->bound) return -EDESTADDRREQ;
  if (backlog <= 0) backlog = 128;
  const int id = provider_->tcp_listen(queue->local, static_cast<std::uint32_t>(backlog));
  if (id < 0) return id;
  queue->kind = Queue::Kind::tcp_listener;
  queue->socket = id;
  tcp_owner_[static_cast<std::size_t>(id)] = static_cast<std::int32_t>(index_of(*queue));
  return 0;
}

int LibOS::close(int qd) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind == Queue::Kind::tcp_connection && queue->linger != 0 && !queue->pushes.empty()) {
    // As close(2) on a kernel socket: what the application pushed still leaves, then FIN. Only
    // the pushes remain pending; they complete (and are reported) as usual.
    queue->closing = true;
    const OperationList pushes = queue->pushes;
    queue->pushes = {};
    cancel_all(*queue);
    queue->pushes = pushes;
    return 0;
  }
  cancel_all(*queue);
  release_queue(*queue, queue->linger == 0);
  return 0;
}

int LibOS::shutdown_write(int qd) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (queue->kind != Queue::Kind::tcp_connection) return -ENOTCONN;
  if (!queue->pushes.empty()) return -EBUSY;
  return provider_->tcp_shutdown(queue->socket);
}

void LibOS::release_queue(Queue& queue, bool abort) {
  switch (queue.kind) {
    case Queue::Kind::udp:
      if (queue.socket >= 0) provider_->udp_close(queue.socket);
      break;
    case Queue::Kind::tcp_listener:
      provider_->tcp_close(queue.socket, false);
      break;
    case Queue::Kind::tcp_connection:
      provider_->tcp_close(queue.socket, abort);
      break;
    default:
      break;
  }
  free_queue(queue);
}

void LibOS::apply_options(Queue& queue) {
  if (queue.kind != Queue::Kind::tcp_connection) return;
  provider_->tcp_set_option(queue.socket, TcpOption::nodelay, queue.nodelay);
  provider_->tcp_set_option(queue.socket, TcpOption::keepalive, queue.keepalive);
  if (queue.congestion >= 0) provider_->tcp_set_option(queue.socket, static_cast<TcpOption>(queue.congestion), true);
}

namespace {
int read_int(const void* value, std::uint32_t length, int& out) {
  if (value == nullptr || length < sizeof(int)) return -EINVAL;
  std::memcpy(&out, value, sizeof(int));
  return 0;
}

int write_bytes(void* value, std::uint32_t* length, const void* data, std::uint32_t size) {
  if (value == nullptr || length == nullptr) return -EINVAL;
  const std::uint32_t n = *length < size ? *length : size;
  std::memcpy(value, data, n);
  *length = n;
  return 0;
}
}  // namespace

int LibOS::set_option(int qd, int level, int name, const void* value, std::uint32_t length) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  const bool tcp = queue->kind != Queue::Kind::udp;
  int flag = 0;
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_REUSEADDR:
        if (const int rc = read_int(value, length, flag); rc < 0) return rc;
        queue->reuse_address = flag != 0;
        return 0;
      case SO_KEEPALIVE:
        if (!tcp) return -ENOPROTOOPT;
        if (const int rc = read_int(value, length, flag); rc < 0) return rc;
        queue->keepalive = flag != 0;
        apply_options(*queue);
        return 0;
      case SO_LINGER: {
        if (!tcp) return -ENOPROTOOPT;
        if (value == nullptr || length < sizeof(struct linger)) return -EINVAL;
        struct linger l {};
        std::memcpy(&l, value, sizeof l);
        if (l.l_linger < 0) return -EINVAL;
        queue->linger = l.l_onoff != 0 ? l.l_linger : -1;
        return 0;
      }
      case SO_SNDBUF:
      case SO_RCVBUF:
        // TCP buffers come from a budget sized once per instance (config tcp.send_buffer and
        // tcp.receive_buffer); one connection cannot have its own.
        return -EOPNOTSUPP;
      default:
        return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_TCP && tcp) {
    switch (name) {
      case TCP_NODELAY:
        if (const int rc = read_int(value, length, flag); rc < 0) return rc;
        queue->nodelay = flag != 0;
        apply_options(*queue);
        return 0;
      case TCP_CONGESTION: {
        if (value == nullptr) return -EINVAL;
        const std::string_view text(static_cast<const char*>(value), strnlen(static_cast<const char*>(value), length));
        int algorithm;
        if (text == "cubic") {
          algorithm = static_cast<int>(TcpOption::congestion_cubic);
        } else if (text == "newreno" || text == "reno") {
          algorithm = static_cast<int>(TcpOption::congestion_newreno);
        } else {
          return -ENOENT;  // as Linux for an unknown algorithm
        }
        if (queue->kind == Queue::Kind::tcp_connection) return -EISCONN;  // chosen before the handshake
        queue->congestion = algorithm;
        return 0;
      }
      default:
        return -ENOPROTOOPT;
    }
  }
  return -ENOPROTOOPT;
}

int LibOS::get_option(int qd, int level, int name, void* value, std::uint32_t* length) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  const bool tcp = queue->kind != Queue::Kind::udp;
  int flag = 0;
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_REUSEADDR: flag = queue->reuse_address; break;
      case SO_KEEPALIVE:
        if (!tcp) return -ENOPROTOOPT;
        flag = queue->keepalive;
        break;
      case SO_LINGER: {
        if (!tcp) return -ENOPROTOOPT;
        struct linger l {queue->linger >= 0 ? 1 : 0, queue->linger >= 0 ? queue->linger : 0};
        return write_bytes(value, length, &l, sizeof l);
      }
      case SO_SNDBUF: flag = static_cast<int>(provider_->tcp_send_buffer()); break;
      case SO_RCVBUF: flag = static_cast<int>(provider_->tcp_receive_buffer()); break;
      case SO_TYPE: flag = tcp ? SOCK_STREAM : SOCK_DGRAM; break;
      case SO_ERROR:
        flag = queue->error;
        break;
      default: return -ENOPROTOOPT;
    }
    return write_bytes(value, length, &flag, sizeof flag);
  }
  if (level == IPPROTO_TCP && tcp) {
    if (name == TCP_NODELAY) {
      flag = queue->nodelay;
      return write_bytes(value, length, &flag, sizeof flag);
    }
    if (name == TCP_CONGESTION) {
      const bool cubic = queue->congestion >= 0
                             ? queue->congestion == static_cast<int>(TcpOption::congestion_cubic)
                             : config_.instance.tcp_congestion == socket::tcp::CongestionAlgorithm::cubic;
      const char* text = cubic ? "cubic" : "newreno";
      return write_bytes(value, length, text, static_cast<std::uint32_t>(std::strlen(text) + 1));
    }
  }
  return -ENOPROTOOPT;
}

int LibOS::local_endpoint(int qd, Endpoint& out) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  out = queue->local;
  return 0;
}

int LibOS::peer_endpoint(int qd, Endpoint& out) {
  Queue* queue = queue_of(qd);
  if (queue == nullptr) return -EBADF;
  if (!queue->has_peer) return -ENOTCONN;
  out = queue->peer;
  return 0;
}

int LibOS::sga_alloc(std::size_t size, sl_sga_t& out) {
  if (size > 0 && buffers_.frame_slots() > 0 && size <= provider_->frame_payload_limit()) {
    device::Frame frame;
    if (buffers_.frames_held() >= buffers_.frame_slots()) {
      ++counters_.frame_budget_fallbacks;
    } else if (provider_->frame_allocate(frame)) {
      if (frame.capacity >= Provider::kHeadroom + size) {
        return buffers_.adopt_frame(frame, frame.data + Provider::kHeadroom, static_cast<std::uint32_t>(size), out);
      }
      provider_->frame_release(frame);
    }
  }
  return buffers_.allocate(size, out);
}

int LibOS::sga_free(sl_sga_t& sga) {
  device::Frame frame;
  const int rc = buffers_.free(sga, frame);
  if (frame.data != nullptr) provider_->frame_release(frame);
  return rc;
}

int LibOS::wait_fd() const { return idle_fd_ >= 0 ? idle_fd_ : provider_->wait_fd(); }

int LibOS::next_timeout_ms() const {
  const Instant deadline = provider_->next_deadline();
  if (deadline.is_never()) return -1;
  const Instant now = provider_->now();
  if (deadline <= now) return 0;
  return static_cast<int>(((deadline - now).nanos + 999'999) / 1'000'000);
}

}  // namespace sluice::libos
