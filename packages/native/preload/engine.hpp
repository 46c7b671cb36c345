// The process-wide preload state: the lazily started LibOS, the fd table (placeholder fd -> socket)
// and the progress loop that turns LibOS completions into socket state.
#pragma once

#include <poll.h>

#include <mutex>

#include "preload/sluice_socket.hpp"

namespace sluice::preload {

/** The LibOS is single-threaded: every slp_* call holds this lock (recursive: sl_init may call
 *  socket() itself), and poll drops it while it sleeps so other threads can use their sockets. */
std::recursive_mutex& libos_lock();

/** poll(2) over kernel and Sluice fds; the caller holds libos_lock(). */
int poll_sockets(struct pollfd* fds, nfds_t nfds, int timeout_ms);

/** Starts the LibOS from SLUICE_CONFIG on first need. 0, or -errno after printing why (once);
 *  1 when SLUICE_CONFIG is unset (the process runs unaccelerated). */
int ensure_started();

SluiceSocket* socket_of_fd(int fd);
/** A new socket on `qd` behind a fresh placeholder fd (close-on-exec if asked); nullptr + -errno. */
SluiceSocket* adopt(int qd, bool tcp, bool cloexec, int* error);
/** Forgets the socket, closes its qd and its placeholder fd. */
void release(SluiceSocket* socket);

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

}  // namespace sluice::preload
