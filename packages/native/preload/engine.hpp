// The process-wide preload state: the lazily started LibOS, the fd table (placeholder fd -> socket)
// and the progress loop that turns LibOS completions into socket state.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "preload/sluice_socket.hpp"

namespace sluice::preload {

/** The LibOS is single-threaded: every slp_* call holds this lock (recursive: sl_init may call
 *  socket() itself), and poll drops it while it sleeps so other threads can use their sockets. */
std::recursive_mutex& libos_lock();

/** poll(2) over kernel and Sluice fds; the caller holds libos_lock(). */
int poll_sockets(struct pollfd* fds, nfds_t nfds, int timeout_ms);

/** Starts the LibOS from SLUICE_CONFIG on first need. 0, or -errno after printing why (once);
 *  1 when SLUICE_CONFIG is unset or this is a forked child (the process runs unaccelerated). */
int ensure_started();

/** True while this process's LibOS runs (false before start, at exit, and in a forked child). */
bool libos_running();
/** The live socket behind `fd`; nullptr for kernel fds, and in a forked child for the parent's. */
SluiceSocket* socket_of_fd(int fd);
/** Placeholder fds are below this (the table's size); 0 before the LibOS starts. */
std::size_t fd_limit();
/** A new socket on `qd` behind a fresh placeholder fd (close-on-exec if asked); nullptr + -errno. */
SluiceSocket* adopt(int qd, bool tcp, bool cloexec, int* error);
/** `fd` (a kernel dup of a placeholder) names `socket` too. fd, or -EMFILE. */
int add_reference(SluiceSocket* socket, int fd);
/** `fd` no longer names the socket (closing the placeholder when `close_fd`); the last reference
 *  closes the qd. */
void drop_reference(SluiceSocket* socket, int fd, bool close_fd);
/** close() of a placeholder: drops it, or in a forked child just closes the inherited fd. */
int close_placeholder(int fd);
/** Moves a fresh socket to the kernel (loopback): a kernel socket takes over its fd number, with
 *  the same type, flags and remembered options; the Sluice side is forgotten. 0 or -errno. */
int hand_to_kernel(SluiceSocket* socket);
/** Keeps SO_REUSEADDR, SO_KEEPALIVE, TCP_NODELAY for hand_to_kernel. */
void remember_option(SluiceSocket& socket, int level, int name, const void* value, socklen_t len);
/** After shutdown(SHUT_WR): FIN once no push is in flight (called again as pushes complete). */
void finish_shutdown(SluiceSocket& socket);

/** Runs the stack once and applies every finished operation to its socket. */
void make_progress();
/** Keeps one pop in flight while the socket can receive and nothing is buffered. */
void arm_pop(SluiceSocket& socket);
/** Keeps one accept in flight while there is room to hold its result. */
void arm_accept(SluiceSocket& socket);

/** Pushes a socket may have in flight before writes wait (or fail with EAGAIN). */
int max_pushes();

/** The poll(2) events that hold for the socket now. */
short socket_events(const SluiceSocket& socket);

/** Waits (progress in between) until one of `events` holds on the socket. */
void wait_for(SluiceSocket& socket, short events);

/** How long a waiting call may sleep (ms, -1 forever) given what it was asked for
 *  (`remaining_ms`, -1 forever) and when it started (`started_ns`): 0 while it should still spin
 *  (SLUICE_SPIN_USEC, busy polling), else bounded by the stack's next timer. */
int sleep_budget_ms(int64_t remaining_ms, int64_t started_ns);
/** CLOCK_MONOTONIC in nanoseconds and milliseconds. */
int64_t now_ns();
inline int64_t now_ms() { return now_ns() / 1000000; }
/** The real poll with the lock dropped while it sleeps (other threads use their sockets). */
int sleep_in_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms);

// The progress thread (progress.cpp).
/** Starts it unless SLUICE_PROGRESS_THREAD=0; called once the LibOS runs. */
void start_progress_thread();
/** An application thread ran the stack (the progress thread stays out for a millisecond). */
void note_application_progress();
/** Marks the current thread as waiting on the device (the progress thread then stays out). */
struct SleepingThread {
  SleepingThread();
  ~SleepingThread();
  SleepingThread(const SleepingThread&) = delete;
  SleepingThread& operator=(const SleepingThread&) = delete;
};

// Epoll sets that hold Sluice fds (epoll.cpp).
/** The epoll fd was closed (or replaced by dup2): its Sluice entries go. */
void forget_epoll_set(int epfd);
/** The socket is gone: every epoll entry for it goes, as Linux drops a closed file. */
void forget_socket_in_epoll(const SluiceSocket* socket);

}  // namespace sluice::preload
