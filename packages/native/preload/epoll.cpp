// epoll over kernel and Sluice fds together. The epoll fd itself is always the kernel's, and kernel
// fds are registered in it as usual; Sluice fds are kept beside it here (an EpollSet per epoll fd
// that holds any). epoll_wait runs the stack, reports Sluice entries from socket state (level or
// edge triggered, EPOLLONESHOT, data kept as given), fills the rest from the kernel with a zero
// timeout, and when nothing is ready sleeps in one real poll on the epoll fd (readable when it has
// kernel events) plus the LibOS wait fd, no longer than the stack's next timer.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>

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

struct EpollEntry {
  SluiceSocket* socket = nullptr;
  int fd = -1;
  uint32_t events = 0;  // as registered, EPOLLET and EPOLLONESHOT included
  epoll_data_t data{};
  uint32_t reported = 0;    // edge-triggered: events already reported and still holding
  uint32_t sequence = 0;    // edge-triggered: the socket's event_sequence when last reported
  bool disarmed = false;    // EPOLLONESHOT fired; EPOLL_CTL_MOD arms it again
};

struct EpollSet {
  std::vector<EpollEntry> entries;
  std::size_t next = 0;  // where the next scan starts, so a busy socket cannot starve the others
};

// Indexed by epoll fd, sized like the placeholder table (an epoll set matters only once Sluice
// sockets exist); a set is made on the first Sluice fd added and lives until the epoll fd closes.
EpollSet** sets = nullptr;
std::size_t sets_size = 0;

EpollSet* set_of(int epfd) {
  return epfd >= 0 && static_cast<std::size_t>(epfd) < sets_size ? sets[epfd] : nullptr;
}

EpollSet* make_set(int epfd) {
  if (sets == nullptr) {
    sets_size = fd_limit();
    sets = new EpollSet*[sets_size]();
  }
  if (epfd < 0 || static_cast<std::size_t>(epfd) >= sets_size) return nullptr;
  if (sets[epfd] == nullptr) sets[epfd] = new EpollSet{};
  return sets[epfd];
}

EpollEntry* find(EpollSet& set, int fd) {
  for (EpollEntry& entry : set.entries)
    if (entry.fd == fd) return &entry;
  return nullptr;
}

/** The entry's events to report now (0: none), updating its edge/one-shot state. */
uint32_t take_events(EpollEntry& entry) {
  if (entry.disarmed) return 0;
  const uint32_t holding = static_cast<uint16_t>(socket_events(*entry.socket));
  const uint32_t wanted = (entry.events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)) | EPOLLERR | EPOLLHUP;
  const uint32_t ready = holding & wanted;
  if ((entry.events & EPOLLET) != 0) {
    // An edge: an event that was not holding at the last report, or new activity since (more
    // bytes, a completed push) while it holds, as Linux wakes edge waiters on every arrival.
    const bool edge = (ready & ~entry.reported) != 0 || (ready != 0 && entry.sequence != entry.socket->event_sequence);
    entry.reported = ready;
    entry.sequence = entry.socket->event_sequence;
    if (!edge) return 0;
  }
  if (ready != 0 && (entry.events & EPOLLONESHOT) != 0) entry.disarmed = true;
  return ready;
}

int collect_sluice(EpollSet& set, struct epoll_event* out, int max) {
  int count = 0;
  const std::size_t n = set.entries.size();
  for (std::size_t k = 0; k < n && count < max; ++k) {
    EpollEntry& entry = set.entries[(set.next + k) % n];
    const uint32_t events = take_events(entry);
    if (events == 0) continue;
    out[count].events = events;
    out[count].data = entry.data;
    ++count;
  }
  if (n > 0) set.next = (set.next + 1) % n;
  return count;
}

int wait_set(int epfd, EpollSet& set, struct epoll_event* events, int max, int timeout_ms) {
  const int64_t started = now_ns();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
  for (;;) {
    make_progress();
    int ready = collect_sluice(set, events, max);
    if (ready < max) {
      const int rc = real_libc().epoll_wait(epfd, events + ready, max - ready, 0);
      if (rc < 0) return ready > 0 ? ready : -errno;
      ready += rc;
    }
    if (ready > 0) return ready;
    const int64_t remaining = deadline == INT64_MAX ? -1 : std::max<int64_t>(0, deadline - now_ms());
    if (remaining == 0) return 0;
    const int sleep_ms = sleep_budget_ms(remaining, started);
    struct pollfd wake[2] = {{epfd, POLLIN, 0}, {sl_wait_fd(), POLLIN, 0}};
    if (sleep_in_poll(wake, 2, sleep_ms) < 0 && errno == EINTR) return -EINTR;
  }
}

}  // namespace

void forget_epoll_set(int epfd) {
  EpollSet* set = set_of(epfd);
  if (set == nullptr) return;
  sets[epfd] = nullptr;
  delete set;
}

void forget_socket_in_epoll(const SluiceSocket* socket) {
  for (std::size_t epfd = 0; epfd < sets_size; ++epfd) {
    EpollSet* set = sets[epfd];
    if (set == nullptr) continue;
    std::erase_if(set->entries, [socket](const EpollEntry& entry) { return entry.socket == socket; });
  }
}

}  // namespace sluice::preload

using namespace sluice::preload;

extern "C" int slp_epoll_owns(int epfd) { return set_of(epfd) != nullptr; }

extern "C" void slp_forget_epoll(int epfd) {
  const std::lock_guard guard(libos_lock());
  forget_epoll_set(epfd);
}

extern "C" int slp_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  const std::lock_guard guard(libos_lock());
  SluiceSocket* socket = socket_of_fd(fd);
  if (socket == nullptr) return -EBADF;
  if (real_libc().fcntl(epfd, F_GETFD) < 0) return -EBADF;
  if (epfd == fd) return -EINVAL;
  if (op != EPOLL_CTL_DEL && event == nullptr) return -EFAULT;
  EpollSet* set = op == EPOLL_CTL_ADD ? make_set(epfd) : set_of(epfd);
  EpollEntry* entry = set != nullptr ? find(*set, fd) : nullptr;
  switch (op) {
    case EPOLL_CTL_ADD:
      if (set == nullptr) return -ENOMEM;
      if (entry != nullptr) return -EEXIST;
      set->entries.push_back({socket, fd, event->events, event->data});
      return 0;
    case EPOLL_CTL_MOD:
      if (entry == nullptr) return -ENOENT;
      if ((event->events & EPOLLEXCLUSIVE) != 0) return -EINVAL;
      // As Linux, a modification re-evaluates readiness: edge entries report what holds again.
      *entry = {socket, fd, event->events, event->data};
      return 0;
    case EPOLL_CTL_DEL:
      if (entry == nullptr) return -ENOENT;
      set->entries.erase(set->entries.begin() + (entry - set->entries.data()));
      return 0;
    default: return -EINVAL;
  }
}

extern "C" int slp_epoll_wait(int epfd, struct epoll_event* events, int max, int timeout_ms, const sigset_t* mask) {
  const std::lock_guard guard(libos_lock());
  if (max <= 0) return -EINVAL;
  EpollSet* set = set_of(epfd);
  // Closed meanwhile by another thread, or a forked child's copy: the kernel's epoll answers.
  if (set == nullptr || !libos_running()) return SLP_PASSTHROUGH;
  sigset_t saved;
  if (mask != nullptr) pthread_sigmask(SIG_SETMASK, mask, &saved);
  const int rc = wait_set(epfd, *set, events, max, timeout_ms);
  if (mask != nullptr) pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  return rc;
}
