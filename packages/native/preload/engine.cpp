#include "preload/engine.hpp"

#include <sys/eventfd.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "preload/libc.hpp"
#include "preload/preload_api.h"

namespace sluice::preload {

// Set while sl_init runs: the LibOS opens its own kernel sockets (netlink, ioctl), which socket()
// must pass through.
thread_local bool inside_libos_start = false;

namespace {

enum class Startup { not_tried, disabled, running, failed };

Startup startup = Startup::not_tried;
int startup_error = 0;
// Indexed by placeholder fd. Sized once at start to the fd limit, so lookups never reallocate; a
// plain array never freed, so close() from late exit handlers still finds it intact.
SluiceSocket** by_fd = nullptr;
std::size_t by_fd_size = 0;
// Indexed by qd; grows when the LibOS hands out a larger qd (a control-path event).
std::vector<SluiceSocket*> by_qd;
// Push sgas never outlive their socket's bookkeeping: bounded so writes wait instead of piling up.
constexpr int max_pushes_in_flight = 64;

SluiceSocket* socket_of_qd(int qd) {
  return qd >= 0 && static_cast<std::size_t>(qd) < by_qd.size() ? by_qd[qd] : nullptr;
}

void free_sga(sl_sga_t& sga) {
  if (sga.handle != 0) sl_sga_free(&sga);
}

void on_pop(const sl_qresult_t& result) {
  sl_sga_t sga = result.value.sga;
  SluiceSocket* socket = socket_of_qd(result.qd);
  if (socket == nullptr || socket->pop_qt != result.qt) {
    if (result.ret == 0) free_sga(sga);  // the socket is gone: nobody will read these bytes
    return;
  }
  socket->pop_qt = 0;
  if (result.ret < 0) {
    if (result.ret != -ECANCELED) socket->rx_error = -result.ret;
    return;
  }
  if (socket->tcp && sga.numsegs == 0) {
    socket->eof = true;
    free_sga(sga);
    return;
  }
  socket->rx = sga;
  socket->rx_ready = true;
  socket->rx_segment = 0;
  socket->rx_offset = 0;
}

void on_accept(const sl_qresult_t& result) {
  SluiceSocket* socket = socket_of_qd(result.qd);
  if (socket == nullptr || socket->accept_qt != result.qt) {
    if (result.ret == 0) sl_close(result.value.accepted.qd);
    return;
  }
  socket->accept_qt = 0;
  if (result.ret == 0) {
    const uint32_t slot = (socket->accepted_head + socket->accepted_count) % socket->accepted.size();
    socket->accepted[slot] = result.value.accepted;
    ++socket->accepted_count;
  }
  if (result.ret == 0 || result.ret == -ECONNABORTED) arm_accept(*socket);
}

void on_connect(const sl_qresult_t& result) {
  SluiceSocket* socket = socket_of_qd(result.qd);
  if (socket == nullptr || socket->connect_qt != result.qt) return;
  socket->connect_qt = 0;
  if (result.ret == 0) {
    socket->state = SocketState::connected;
    arm_pop(*socket);
  } else {
    socket->state = SocketState::failed;
    socket->so_error = -result.ret;
  }
}

void on_push(const sl_qresult_t& result) {
  sl_sga_t sga = result.value.sga;
  free_sga(sga);  // pushes always copy from the application, so the sga is ours to give back
  SluiceSocket* socket = socket_of_qd(result.qd);
  if (socket == nullptr) return;
  if (socket->pushes_in_flight > 0) --socket->pushes_in_flight;
  if (result.ret < 0 && result.ret != -ECANCELED) socket->tx_error = -result.ret;
}

int start_libos(const char* config) {
  struct rlimit limit {};
  rlim_t fds = 65536;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) fds = limit.rlim_cur;
  if (fds > (1u << 20)) fds = 1u << 20;
  by_fd = new SluiceSocket*[fds]();
  by_fd_size = fds;
  by_qd.assign(1024, nullptr);
  inside_libos_start = true;
  const int rc = sl_init(config);
  inside_libos_start = false;
  return rc;
}

}  // namespace

static void stop_libos_at_exit();

std::recursive_mutex& libos_lock() {
  static std::recursive_mutex lock;
  return lock;
}

int ensure_started() {
  switch (startup) {
    case Startup::running:
      return 0;
    case Startup::disabled:
      return 1;
    case Startup::failed:
      return -startup_error;
    case Startup::not_tried:
      break;
  }
  if (inside_libos_start) return 1;
  const char* config = std::getenv("SLUICE_CONFIG");
  if (config == nullptr || *config == '\0') {
    startup = Startup::disabled;
    return 1;
  }
  const int rc = start_libos(config);
  if (rc < 0) {
    startup = Startup::failed;
    startup_error = -rc;
    std::fprintf(stderr, "sluice preload: cannot start the LibOS: %s\n", sl_last_error());
    return rc;
  }
  startup = Startup::running;
  std::atexit(stop_libos_at_exit);
  return 0;
}

// At exit the LibOS releases its device (the XDP program and the queue) for the next process.
// Registered with atexit after sl_init, so it runs before the statics the LibOS built are destroyed.
static void stop_libos_at_exit() {
  if (startup == Startup::running) sl_fini();
  startup = Startup::disabled;
  by_fd_size = 0;  // every fd is the kernel's from here on
}

SluiceSocket* socket_of_fd(int fd) {
  return fd >= 0 && static_cast<std::size_t>(fd) < by_fd_size ? by_fd[fd] : nullptr;
}

SluiceSocket* adopt(int qd, bool tcp, bool cloexec, int* error) {
  // A real kernel fd holds the number, so the kernel never hands it out for a file or pipe.
  const int fd = eventfd(0, cloexec ? EFD_CLOEXEC : 0);
  if (fd < 0 || static_cast<std::size_t>(fd) >= by_fd_size) {
    *error = fd < 0 ? errno : EMFILE;
    if (fd >= 0) real_libc().close(fd);
    sl_close(qd);
    return nullptr;
  }
  auto* socket = new SluiceSocket{};
  socket->fd = fd;
  socket->qd = qd;
  socket->tcp = tcp;
  by_fd[fd] = socket;
  if (static_cast<std::size_t>(qd) >= by_qd.size()) by_qd.resize(static_cast<std::size_t>(qd) * 2 + 1, nullptr);
  by_qd[qd] = socket;
  return socket;
}

void release(SluiceSocket* socket) {
  if (socket->rx_ready) free_sga(socket->rx);
  for (uint32_t i = 0; i < socket->accepted_count; ++i)
    sl_close(socket->accepted[(socket->accepted_head + i) % socket->accepted.size()].qd);
  sl_close(socket->qd);
  by_qd[socket->qd] = nullptr;
  by_fd[socket->fd] = nullptr;
  real_libc().close(socket->fd);
  delete socket;
}

void make_progress() {
  sl_poll(0);
  const struct timespec no_wait {0, 0};
  sl_qresult_t results[32];
  for (;;) {
    const int n = sl_wait_next_n(results, 32, &no_wait);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      switch (results[i].opcode) {
        case SL_OPC_POP: on_pop(results[i]); break;
        case SL_OPC_ACCEPT: on_accept(results[i]); break;
        case SL_OPC_CONNECT: on_connect(results[i]); break;
        case SL_OPC_PUSH:
        case SL_OPC_PUSHTO: on_push(results[i]); break;
        default: break;
      }
    }
    if (n < 32) return;
  }
}

void arm_pop(SluiceSocket& socket) {
  if (socket.pop_qt != 0 || socket.rx_ready || socket.eof || socket.rx_error != 0) return;
  if (socket.tcp ? socket.state != SocketState::connected : !socket.bound) return;
  const sl_qtoken_t qt = sl_pop(socket.qd);
  if (qt > 0) socket.pop_qt = qt;
  else socket.rx_error = static_cast<int>(-qt);
}

void arm_accept(SluiceSocket& socket) {
  if (socket.accept_qt != 0 || socket.state != SocketState::listening) return;
  if (socket.accepted_count == socket.accepted.size()) return;
  const sl_qtoken_t qt = sl_accept(socket.qd);
  if (qt > 0) socket.accept_qt = qt;
}

std::size_t readable_bytes(const SluiceSocket& socket) {
  if (!socket.rx_ready) return 0;
  std::size_t bytes = 0;
  for (uint32_t i = socket.rx_segment; i < socket.rx.numsegs; ++i) bytes += socket.rx.segs[i].len;
  return bytes - socket.rx_offset;
}

short socket_events(const SluiceSocket& socket) {
  short events = 0;
  if (socket.state == SocketState::listening) return socket.accepted_count > 0 ? POLLIN : 0;
  if (socket.rx_ready || socket.eof || socket.rx_error != 0) events |= POLLIN;
  if (socket.rx_error != 0) events |= POLLERR | POLLHUP;
  switch (socket.state) {
    case SocketState::failed: events |= POLLOUT | POLLERR | POLLHUP; break;
    case SocketState::connected:
      if (socket.pushes_in_flight < max_pushes_in_flight || socket.tx_error != 0) events |= POLLOUT;
      break;
    case SocketState::fresh:
      if (!socket.tcp && socket.pushes_in_flight < max_pushes_in_flight) events |= POLLOUT;
      break;
    default: break;
  }
  if (socket.tx_error != 0) events |= POLLERR;
  return events;
}

int max_pushes() { return max_pushes_in_flight; }

void wait_for(SluiceSocket& socket, short events) {
  struct pollfd one {socket.fd, events, 0};
  poll_sockets(&one, 1, -1);
}

}  // namespace sluice::preload
