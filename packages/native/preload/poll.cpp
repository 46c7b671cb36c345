// poll(2), ppoll, select and pselect over kernel and Sluice fds together. Sluice readiness is
// computed from socket state after running the stack; kernel fds are asked in the same real poll
// that sleeps (with the LibOS wait fd added), no longer than the stack's next timer, then the
// loop looks again. select and pselect become a poll over the fds in their sets.
#include <signal.h>
#include <sys/select.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <mutex>
#include <vector>

#include "preload/engine.hpp"
#include "preload/libc.hpp"
#include "preload/preload_api.h"

namespace sluice::preload {
namespace {

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

int timeout_of(const struct timespec* timeout) {
  if (timeout == nullptr) return -1;
  const int64_t ms = static_cast<int64_t>(timeout->tv_sec) * 1000 + (timeout->tv_nsec + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

/** The signal mask of ppoll/pselect for the duration of the call (not atomic with the sleep, as
 *  the kernel's is: a signal arriving just before the sleep waits for the timer or an event). */
class SignalMask {
 public:
  explicit SignalMask(const sigset_t* mask) : active_(mask != nullptr) {
    if (active_) pthread_sigmask(SIG_SETMASK, mask, &saved_);
  }
  ~SignalMask() {
    if (active_) pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SignalMask(const SignalMask&) = delete;
  SignalMask& operator=(const SignalMask&) = delete;

 private:
  bool active_;
  sigset_t saved_{};
};

/** select's sets as poll entries, in `fds`; the count, or -EINVAL. */
int sets_to_poll(int nfds, fd_set* read, fd_set* write, fd_set* except, std::vector<struct pollfd>& fds) {
  if (nfds < 0 || nfds > FD_SETSIZE) return -EINVAL;
  fds.clear();
  for (int fd = 0; fd < nfds; ++fd) {
    short events = 0;
    if (read != nullptr && FD_ISSET(fd, read)) events |= POLLIN;
    if (write != nullptr && FD_ISSET(fd, write)) events |= POLLOUT;
    if (except != nullptr && FD_ISSET(fd, except)) events |= POLLPRI;
    if (events != 0) fds.push_back({fd, events, 0});
  }
  return static_cast<int>(fds.size());
}

/** poll's answer back into select's sets; the number of bits set, or -EBADF. */
int poll_to_sets(const std::vector<struct pollfd>& fds, fd_set* read, fd_set* write, fd_set* except) {
  if (read != nullptr) FD_ZERO(read);
  if (write != nullptr) FD_ZERO(write);
  if (except != nullptr) FD_ZERO(except);
  int bits = 0;
  for (const struct pollfd& entry : fds) {
    if ((entry.revents & POLLNVAL) != 0) return -EBADF;
    // As Linux: readable includes hang-up and error, writable includes error.
    if (read != nullptr && (entry.events & POLLIN) != 0 && (entry.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      FD_SET(entry.fd, read);
      ++bits;
    }
    if (write != nullptr && (entry.events & POLLOUT) != 0 && (entry.revents & (POLLOUT | POLLERR)) != 0) {
      FD_SET(entry.fd, write);
      ++bits;
    }
    if (except != nullptr && (entry.events & POLLPRI) != 0 && (entry.revents & POLLPRI) != 0) {
      FD_SET(entry.fd, except);
      ++bits;
    }
  }
  return bits;
}

int select_sockets(int nfds, fd_set* read, fd_set* write, fd_set* except, int timeout_ms) {
  thread_local std::vector<struct pollfd> fds;  // grown once, reused
  if (const int rc = sets_to_poll(nfds, read, write, except, fds); rc < 0) return rc;
  const int rc = poll_sockets(fds.data(), fds.size(), timeout_ms);
  if (rc < 0) return rc;
  return poll_to_sets(fds, read, write, except);
}

}  // namespace
}  // namespace sluice::preload

using namespace sluice::preload;

extern "C" int slp_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  const std::lock_guard guard(libos_lock());
  return poll_sockets(fds, nfds, timeout_ms);
}

extern "C" int slp_ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* mask) {
  const std::lock_guard guard(libos_lock());
  const SignalMask during(mask);
  return poll_sockets(fds, nfds, timeout_of(timeout));
}

extern "C" int slp_select(int nfds, fd_set* read, fd_set* write, fd_set* except, struct timeval* timeout) {
  const std::lock_guard guard(libos_lock());
  int timeout_ms = -1;
  if (timeout != nullptr) {
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0) return -EINVAL;
    timeout_ms = static_cast<int>(std::min<int64_t>(INT_MAX, timeout->tv_sec * 1000 + (timeout->tv_usec + 999) / 1000));
  }
  const int64_t started = now_ms();
  const int rc = select_sockets(nfds, read, write, except, timeout_ms);
  if (timeout != nullptr) {  // Linux writes back the time left
    const int64_t left_ms = std::max<int64_t>(0, timeout_ms - (now_ms() - started));
    timeout->tv_sec = left_ms / 1000;
    timeout->tv_usec = (left_ms % 1000) * 1000;
  }
  return rc;
}

extern "C" int slp_pselect(int nfds, fd_set* read, fd_set* write, fd_set* except, const struct timespec* timeout,
                           const sigset_t* mask) {
  const std::lock_guard guard(libos_lock());
  if (timeout != nullptr && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000))
    return -EINVAL;
  const SignalMask during(mask);
  return select_sockets(nfds, read, write, except, timeout_of(timeout));
}

extern "C" int slp_select_has_sluice_fd(int nfds, const fd_set* read, const fd_set* write, const fd_set* except) {
  if (fd_limit() == 0) return 0;
  const int limit = std::min(nfds, FD_SETSIZE);
  for (int fd = 0; fd < limit; ++fd) {
    if (!slp_owns(fd)) continue;
    if ((read != nullptr && FD_ISSET(fd, read)) || (write != nullptr && FD_ISSET(fd, write)) ||
        (except != nullptr && FD_ISSET(fd, except)))
      return 1;
  }
  return 0;
}

int sluice::preload::poll_sockets(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
  // Kernel entries go to the real poll in a copy: Sluice entries become -1 (ignored by the kernel)
  // and the last slot is the LibOS wait fd. Grown once, reused after (no allocation per call).
  thread_local std::vector<struct pollfd> kernel;
  if (kernel.size() < nfds + 1) kernel.resize(nfds + 1);
  const int64_t started = now_ns();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
  for (;;) {
    make_progress();
    int ready = sluice_revents(fds, nfds);
    for (nfds_t i = 0; i < nfds; ++i) kernel[i] = {slp_owns(fds[i].fd) ? -1 : fds[i].fd, fds[i].events, 0};
    const int64_t remaining = deadline == INT64_MAX ? -1 : std::max<int64_t>(0, deadline - now_ms());
    const int sleep_ms = ready == 0 ? sleep_budget_ms(remaining, started) : 0;
    kernel[nfds] = {sleep_ms == 0 ? -1 : sl_wait_fd(), POLLIN, 0};
    const int rc = sleep_in_poll(kernel.data(), nfds + 1, sleep_ms);
    if (rc < 0) return -errno;
    int kernel_ready = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
      if (kernel[i].fd < 0) continue;
      fds[i].revents = kernel[i].revents;
      if (kernel[i].revents != 0) ++kernel_ready;
    }
    if (kernel_ready > 0) {
      make_progress();  // the sleep (or another thread) may also have let frames in
      ready = sluice_revents(fds, nfds);
    }
    if (ready + kernel_ready > 0) return ready + kernel_ready;
    if (deadline != INT64_MAX && now_ms() >= deadline) return 0;
  }
}
