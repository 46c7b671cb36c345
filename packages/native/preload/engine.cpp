#include "preload/engine.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "capi/process_libos.hpp"
#include "libos/config.hpp"
#include "libos/stack_provider.hpp"
#include "preload/libc.hpp"
#include "preload/preload_api.h"
#include "preload/stats.hpp"

namespace sluice::preload {

// Set while sl_init runs: the LibOS opens its own kernel sockets (netlink, ioctl), which socket()
// must pass through.
thread_local bool inside_libos_start = false;

namespace {

// forked: a child of an accelerated process. The LibOS (its device, queue and XDP program) stays
// the parent's; the child's own IPv4 sockets are kernel sockets, the inherited ones are EBADF.
enum class Startup { not_tried, disabled, running, failed, forked };

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
// SLUICE_SPIN_USEC: how long a waiting call keeps running the stack before it sleeps; -1 forever.
int64_t spin_ns = 0;

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
  ++socket->event_sequence;
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
  ++socket->event_sequence;
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
  ++socket->event_sequence;
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
  ++socket->event_sequence;
  if (result.ret < 0 && result.ret != -ECANCELED) socket->tx_error = -result.ret;
  finish_shutdown(*socket);
}

void on_fork_prepare() { libos_lock().lock(); }
void on_fork_parent() { libos_lock().unlock(); }
void on_fork_child() {
  startup = Startup::forked;
  // The parent's thread owned the lock; the child's thread has another id, so unlocking would fail.
  new (&libos_lock()) std::recursive_mutex();
}

int64_t spin_from_environment(const char* config) {
  if (const char* text = std::getenv("SLUICE_SPIN_USEC"); text != nullptr && *text != '\0') {
    char* end = nullptr;
    const long long usec = std::strtoll(text, &end, 10);
    if (*end == '\0' && usec >= -1) return usec < 0 ? -1 : usec * 1000;
    std::fprintf(stderr, "sluice preload: SLUICE_SPIN_USEC: expected -1 or microseconds, got \"%s\"; not spinning\n",
                 text);
    return 0;
  }
  // Default: spin forever when the instance busy-polls, sleep at once when it does not.
  try {
    return libos::load_config(config, libos::process_environment()).instance.busy_poll ? -1 : 0;
  } catch (...) {
    return 0;
  }
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
    case Startup::forked:
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
  spin_ns = spin_from_environment(config);
  start_stats();
  start_progress_thread();
  std::atexit(stop_libos_at_exit);
  pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child);
  return 0;
}

// At exit the LibOS releases its device (the XDP program and the queue) for the next process.
// Registered with atexit after sl_init, so it runs before the statics the LibOS built are destroyed.
// Exit closes every descriptor, and the kernel goes on delivering what a process wrote before it
// exited: the same here, for at most SLUICE_EXIT_LINGER_MS (default 2000), then the LibOS stops.
static void linger_at_exit() {
  for (std::size_t fd = 0; fd < by_fd_size; ++fd) {
    if (by_fd[fd] != nullptr) drop_reference(by_fd[fd], static_cast<int>(fd), false);
  }
  const char* setting = std::getenv("SLUICE_EXIT_LINGER_MS");
  const int64_t linger_ms = setting != nullptr && *setting != '\0' ? std::atoll(setting) : 2000;
  auto* stack = dynamic_cast<libos::StackProvider*>(&libos::process_libos()->provider());
  if (stack == nullptr) return;
  const int64_t deadline = now_ms() + linger_ms;
  while (stack->instance().interface().tcp_connections_in_use() > 0 && now_ms() < deadline) {
    make_progress();
    struct pollfd wake {sl_wait_fd(), POLLIN, 0};
    real_libc().poll(&wake, 1, 1);
  }
}

static void stop_libos_at_exit() {
  const std::lock_guard guard(libos_lock());  // the progress thread is not inside the LibOS
  if (startup == Startup::running) {
    linger_at_exit();
    stop_stats();
    sl_fini();
  }
  if (startup == Startup::forked) libos::abandon_process_libos();  // the parent's device stays open
  startup = Startup::disabled;
  by_fd_size = 0;  // every fd is the kernel's from here on
}

SluiceSocket* socket_of_fd(int fd) {
  if (startup != Startup::running) return nullptr;
  return fd >= 0 && static_cast<std::size_t>(fd) < by_fd_size ? by_fd[fd] : nullptr;
}

std::size_t fd_limit() { return by_fd_size; }

extern "C" int slp_owns(int fd) {
  return fd >= 0 && static_cast<std::size_t>(fd) < by_fd_size && by_fd[fd] != nullptr;
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

namespace {

/** Forgets the socket and closes its qd (the placeholder fds are the caller's business). */
void release(SluiceSocket* socket) {
  forget_socket_in_epoll(socket);
  if (socket->rx_ready) free_sga(socket->rx);
  for (uint32_t i = 0; i < socket->accepted_count; ++i)
    sl_close(socket->accepted[(socket->accepted_head + i) % socket->accepted.size()].qd);
  sl_close(socket->qd);
  by_qd[socket->qd] = nullptr;
  delete socket;
}

void set_option(int fd, int level, int name, int value) {
  if (value >= 0) setsockopt(fd, level, name, &value, sizeof value);  // the kernel's: fd is no longer ours
}

}  // namespace

int add_reference(SluiceSocket* socket, int fd) {
  if (static_cast<std::size_t>(fd) >= by_fd_size) {
    real_libc().close(fd);
    return -EMFILE;
  }
  by_fd[fd] = socket;
  ++socket->references;
  return fd;
}

void drop_reference(SluiceSocket* socket, int fd, bool close_fd) {
  by_fd[fd] = nullptr;
  if (close_fd) real_libc().close(fd);
  if (--socket->references > 0) {
    if (socket->fd == fd) {  // wait_for polls socket->fd: point it at a placeholder still open
      for (std::size_t other = 0; other < by_fd_size; ++other)
        if (by_fd[other] == socket) socket->fd = static_cast<int>(other);
    }
    return;
  }
  release(socket);
}

int close_placeholder(int fd) {
  if (startup == Startup::forked) {  // the parent's socket: only this process's fd goes
    by_fd[fd] = nullptr;
    return real_libc().close(fd) < 0 ? -errno : 0;
  }
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  drop_reference(socket, fd, true);
  return 0;
}

int hand_to_kernel(SluiceSocket* socket) {
  if (socket->references != 1) return -EOPNOTSUPP;  // dup'ed before bind/connect: stays on Sluice
  const int fd = socket->fd;
  const int flags = real_libc().fcntl(fd, F_GETFD);
  const int type = (socket->tcp ? SOCK_STREAM : SOCK_DGRAM) | (socket->nonblocking ? SOCK_NONBLOCK : 0);
  const int kernel = real_libc().socket(AF_INET, type, 0);
  if (kernel < 0) return -errno;
  // dup3 swaps the placeholder for the kernel socket under the same number, atomically.
  const int rc = real_libc().dup3(kernel, fd, (flags & FD_CLOEXEC) != 0 ? O_CLOEXEC : 0);
  const int error = errno;
  real_libc().close(kernel);
  if (rc < 0) return -error;
  set_option(fd, SOL_SOCKET, SO_REUSEADDR, socket->reuse_address);
  set_option(fd, SOL_SOCKET, SO_KEEPALIVE, socket->keepalive);
  if (socket->tcp) set_option(fd, IPPROTO_TCP, TCP_NODELAY, socket->nodelay);
  by_fd[fd] = nullptr;
  release(socket);
  return 0;
}

void remember_option(SluiceSocket& socket, int level, int name, const void* value, socklen_t len) {
  if (value == nullptr || len < sizeof(int)) return;
  int on = 0;
  std::memcpy(&on, value, sizeof on);
  if (level == SOL_SOCKET && name == SO_REUSEADDR) socket.reuse_address = on;
  if (level == SOL_SOCKET && name == SO_KEEPALIVE) socket.keepalive = on;
  if (level == IPPROTO_TCP && name == TCP_NODELAY) socket.nodelay = on;
}

void finish_shutdown(SluiceSocket& socket) {
  if (!socket.shut_write || socket.fin_sent || socket.pushes_in_flight > 0) return;
  libos::LibOS* libos = libos::process_libos();
  if (libos == nullptr) return;
  const int rc = libos->shutdown_write(socket.qd);
  if (rc != -EBUSY) socket.fin_sent = true;  // -EBUSY: a push is still queued; its completion retries
}

bool libos_running() { return startup == Startup::running; }

void make_progress() {
  // In a forked child the LibOS's rings are the parent's (shared memory): never poll them here.
  if (startup != Startup::running) return;
  sl_poll(0);
  note_application_progress();
  maybe_publish_stats();
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
  if (socket.eof) events |= POLLRDHUP;  // the peer's FIN (or SHUT_RD), as Linux's RCV_SHUTDOWN
  if (socket.eof && socket.shut_write) events |= POLLHUP;
  if (socket.shut_write) events |= POLLOUT;  // a write would not wait (it fails with EPIPE)
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

int64_t now_ns() {
  struct timespec now {};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

int sleep_budget_ms(int64_t remaining_ms, int64_t started_ns) {
  if (remaining_ms == 0) return 0;
  if (spin_ns < 0 || now_ns() - started_ns < spin_ns) return 0;
  int64_t wait = remaining_ms;  // -1: until something happens
  int timer = sl_next_timeout_ms();
  if (stats_enabled() && (timer < 0 || timer > 100)) timer = 100;  // keep publishing while idle
  if (timer >= 0 && (wait < 0 || timer < wait)) wait = timer;
  return wait > INT_MAX ? INT_MAX : static_cast<int>(wait);
}

int sleep_in_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  const SleepingThread waiting;
  // Dropped even for a zero timeout, so a thread spinning here lets the others in between.
  libos_lock().unlock();  // other threads may use their sockets meanwhile
  const int rc = real_libc().poll(fds, nfds, timeout_ms);
  const int error = errno;
  libos_lock().lock();
  errno = error;
  return rc;
}

void wait_for(SluiceSocket& socket, short events) {
  struct pollfd one {socket.fd, events, 0};
  poll_sockets(&one, 1, -1);
}

}  // namespace sluice::preload
