// poll(2) over kernel and Sluice fds together. Sluice readiness is computed from socket state after
// running the stack; kernel fds are asked with a zero timeout; when nothing is ready the thread
// sleeps in one real poll on the kernel fds plus the LibOS wait fd, no longer than the stack's next
// timer, then looks again.
#include <time.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <vector>

#include "preload/engine.hpp"
#include "preload/libc.hpp"
#include "preload/preload_api.h"

namespace sluice::preload {
namespace {

int64_t now_ms() {
  struct timespec now {};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

/** Fills revents of the Sluice entries; the number of them with events. */
int sluice_revents(struct pollfd* fds, nfds_t nfds) {
  int ready = 0;
  for (nfds_t i = 0; i < nfds; ++i) {
    const SluiceSocket* socket = socket_of_fd(fds[i].fd);
    if (socket == nullptr) continue;
    fds[i].revents = static_cast<short>(socket_events(*socket) & (fds[i].events | POLLERR | POLLHUP));
    if (fds[i].revents != 0) ++ready;
  }
  return ready;
}

}  // namespace
}  // namespace sluice::preload

using namespace sluice::preload;

extern "C" int slp_owns(int fd) { return socket_of_fd(fd) != nullptr; }

extern "C" int slp_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  const std::lock_guard guard(libos_lock());
  return poll_sockets(fds, nfds, timeout_ms);
}

int sluice::preload::poll_sockets(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  // Kernel entries go to the real poll in a copy: Sluice entries become -1 (ignored by the kernel)
  // and the last slot is the LibOS wait fd. Grown once, reused after (no allocation per call).
  thread_local std::vector<struct pollfd> kernel;
  if (kernel.size() < nfds + 1) kernel.resize(nfds + 1);
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
  for (;;) {
    make_progress();
    int ready = sluice_revents(fds, nfds);
    for (nfds_t i = 0; i < nfds; ++i)
      kernel[i] = {slp_owns(fds[i].fd) ? -1 : fds[i].fd, fds[i].events, 0};
    const int64_t remaining = deadline == INT64_MAX ? -1 : std::max<int64_t>(0, deadline - now_ms());
    int sleep_ms = 0;
    if (ready == 0) {
      int64_t wait = remaining;  // -1: until something happens
      const int timer = sl_next_timeout_ms();
      if (timer >= 0 && (wait < 0 || timer < wait)) wait = timer;
      sleep_ms = wait > INT_MAX ? INT_MAX : static_cast<int>(wait);
    }
    kernel[nfds] = {sleep_ms == 0 ? -1 : sl_wait_fd(), POLLIN, 0};
    if (sleep_ms != 0) libos_lock().unlock();  // other threads may use their sockets meanwhile
    const int rc = real_libc().poll(kernel.data(), nfds + 1, sleep_ms);
    if (sleep_ms != 0) libos_lock().lock();
    if (rc < 0) return -errno;
    int kernel_ready = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
      if (kernel[i].fd < 0) continue;
      fds[i].revents = kernel[i].revents;
      if (kernel[i].revents != 0) ++kernel_ready;
    }
    if (sleep_ms != 0 && kernel_ready > 0) {
      make_progress();  // the sleep may also have let frames in
      ready = sluice_revents(fds, nfds);
    }
    if (ready + kernel_ready > 0) return ready + kernel_ready;
    if (deadline != INT64_MAX && now_ms() >= deadline) return 0;
  }
}
