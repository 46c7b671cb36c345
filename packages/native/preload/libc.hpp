// The real libc functions behind the interposed ones, found with dlsym(RTLD_NEXT) once. The Sluice
// side uses these for placeholder fds and for sleeping, so it never re-enters the interposer.
#pragma once

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>

namespace sluice::preload {

struct RealLibc {
  int (*socket)(int, int, int);
  int (*close)(int);
  int (*poll)(struct pollfd*, nfds_t, int);
  int (*fcntl)(int, int, ...);
  int (*dup3)(int, int, int);
  int (*epoll_wait)(int, struct epoll_event*, int, int);
};

/** Resolved on first use; aborts with a message if libc lacks one (it never does on glibc). */
const RealLibc& real_libc();

}  // namespace sluice::preload
