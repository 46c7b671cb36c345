/*
 * The libc symbols this library interposes. Each is a thin switch: a Sluice fd (or, for socket, an
 * IPv4 TCP/UDP socket when SLUICE_CONFIG is set) goes to the slp_* side, anything else to the next
 * definition (libc) through dlsym(RTLD_NEXT). Only these symbols are exported (exports.map).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload_api.h"

#define EXPORT __attribute__((visibility("default")))

/* The next definition of `name`, looked up once. */
#define NEXT(name, type)               \
  static __typeof__(type) next_##name; \
  if (next_##name == NULL) *(void**)&next_##name = next_symbol(#name)

static void* next_symbol(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == NULL) {
    fprintf(stderr, "sluice preload: libc has no %s\n", name);
    abort();
  }
  return symbol;
}

/* -errno to the libc convention. */
static long result(long rc) {
  if (rc >= 0) return rc;
  errno = (int)-rc;
  return -1;
}

EXPORT int socket(int domain, int type, int protocol) {
  NEXT(socket, int (*)(int, int, int));
  int rc = slp_socket(domain, type, protocol);
  if (rc == SLP_PASSTHROUGH) return next_socket(domain, type, protocol);
  return (int)result(rc);
}

EXPORT int bind(int fd, const struct sockaddr* addr, socklen_t len) {
  NEXT(bind, int (*)(int, const struct sockaddr*, socklen_t));
  return slp_owns(fd) ? (int)result(slp_bind(fd, addr, len)) : next_bind(fd, addr, len);
}

EXPORT int listen(int fd, int backlog) {
  NEXT(listen, int (*)(int, int));
  return slp_owns(fd) ? (int)result(slp_listen(fd, backlog)) : next_listen(fd, backlog);
}

EXPORT int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  NEXT(accept4, int (*)(int, struct sockaddr*, socklen_t*, int));
  return slp_owns(fd) ? (int)result(slp_accept(fd, addr, len, flags)) : next_accept4(fd, addr, len, flags);
}

EXPORT int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  NEXT(accept, int (*)(int, struct sockaddr*, socklen_t*));
  return slp_owns(fd) ? (int)result(slp_accept(fd, addr, len, 0)) : next_accept(fd, addr, len);
}

EXPORT int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  NEXT(connect, int (*)(int, const struct sockaddr*, socklen_t));
  return slp_owns(fd) ? (int)result(slp_connect(fd, addr, len)) : next_connect(fd, addr, len);
}

EXPORT ssize_t read(int fd, void* buf, size_t len) {
  NEXT(read, ssize_t (*)(int, void*, size_t));
  return slp_owns(fd) ? result(slp_recvfrom(fd, buf, len, 0, NULL, NULL)) : next_read(fd, buf, len);
}

EXPORT ssize_t __read_chk(int fd, void* buf, size_t len, size_t buflen) {
  NEXT(__read_chk, ssize_t (*)(int, void*, size_t, size_t));
  return slp_owns(fd) && len <= buflen ? result(slp_recvfrom(fd, buf, len, 0, NULL, NULL))
                                       : next___read_chk(fd, buf, len, buflen);
}

EXPORT ssize_t write(int fd, const void* buf, size_t len) {
  NEXT(write, ssize_t (*)(int, const void*, size_t));
  return slp_owns(fd) ? result(slp_sendto(fd, buf, len, 0, NULL, 0)) : next_write(fd, buf, len);
}

EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
  NEXT(recv, ssize_t (*)(int, void*, size_t, int));
  return slp_owns(fd) ? result(slp_recvfrom(fd, buf, len, flags, NULL, NULL)) : next_recv(fd, buf, len, flags);
}

EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
  NEXT(__recv_chk, ssize_t (*)(int, void*, size_t, size_t, int));
  return slp_owns(fd) && len <= buflen ? result(slp_recvfrom(fd, buf, len, flags, NULL, NULL))
                                       : next___recv_chk(fd, buf, len, buflen, flags);
}

EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr, socklen_t* addrlen) {
  NEXT(recvfrom, ssize_t (*)(int, void*, size_t, int, struct sockaddr*, socklen_t*));
  return slp_owns(fd) ? result(slp_recvfrom(fd, buf, len, flags, addr, addrlen))
                      : next_recvfrom(fd, buf, len, flags, addr, addrlen);
}

EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags, struct sockaddr* addr,
                              socklen_t* addrlen) {
  NEXT(__recvfrom_chk, ssize_t (*)(int, void*, size_t, size_t, int, struct sockaddr*, socklen_t*));
  return slp_owns(fd) && len <= buflen ? result(slp_recvfrom(fd, buf, len, flags, addr, addrlen))
                                       : next___recvfrom_chk(fd, buf, len, buflen, flags, addr, addrlen);
}

EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
  NEXT(send, ssize_t (*)(int, const void*, size_t, int));
  return slp_owns(fd) ? result(slp_sendto(fd, buf, len, flags, NULL, 0)) : next_send(fd, buf, len, flags);
}

EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* addr,
                      socklen_t addrlen) {
  NEXT(sendto, ssize_t (*)(int, const void*, size_t, int, const struct sockaddr*, socklen_t));
  return slp_owns(fd) ? result(slp_sendto(fd, buf, len, flags, addr, addrlen))
                      : next_sendto(fd, buf, len, flags, addr, addrlen);
}

EXPORT int close(int fd) {
  NEXT(close, int (*)(int));
  return slp_owns(fd) ? (int)result(slp_close(fd)) : next_close(fd);
}

EXPORT int shutdown(int fd, int how) {
  NEXT(shutdown, int (*)(int, int));
  return slp_owns(fd) ? (int)result(slp_shutdown(fd, how)) : next_shutdown(fd, how);
}

EXPORT int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  NEXT(setsockopt, int (*)(int, int, int, const void*, socklen_t));
  return slp_owns(fd) ? (int)result(slp_setsockopt(fd, level, name, value, len))
                      : next_setsockopt(fd, level, name, value, len);
}

EXPORT int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  NEXT(getsockopt, int (*)(int, int, int, void*, socklen_t*));
  return slp_owns(fd) ? (int)result(slp_getsockopt(fd, level, name, value, len))
                      : next_getsockopt(fd, level, name, value, len);
}

EXPORT int getsockname(int fd, struct sockaddr* addr, socklen_t* len) {
  NEXT(getsockname, int (*)(int, struct sockaddr*, socklen_t*));
  return slp_owns(fd) ? (int)result(slp_getsockname(fd, addr, len)) : next_getsockname(fd, addr, len);
}

EXPORT int getpeername(int fd, struct sockaddr* addr, socklen_t* len) {
  NEXT(getpeername, int (*)(int, struct sockaddr*, socklen_t*));
  return slp_owns(fd) ? (int)result(slp_getpeername(fd, addr, len)) : next_getpeername(fd, addr, len);
}

/* fcntl's third argument is an int or a pointer; both travel in one register, read as a long. */
EXPORT int fcntl(int fd, int cmd, ...) {
  NEXT(fcntl, int (*)(int, int, ...));
  va_list args;
  va_start(args, cmd);
  long arg = va_arg(args, long);
  va_end(args);
  return slp_owns(fd) ? (int)result(slp_fcntl(fd, cmd, arg)) : next_fcntl(fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...) {
  NEXT(fcntl64, int (*)(int, int, ...));
  va_list args;
  va_start(args, cmd);
  long arg = va_arg(args, long);
  va_end(args);
  return slp_owns(fd) ? (int)result(slp_fcntl(fd, cmd, arg)) : next_fcntl64(fd, cmd, arg);
}

EXPORT int ioctl(int fd, unsigned long request, ...) {
  NEXT(ioctl, int (*)(int, unsigned long, ...));
  va_list args;
  va_start(args, request);
  void* arg = va_arg(args, void*);
  va_end(args);
  return slp_owns(fd) ? (int)result(slp_ioctl(fd, request, arg)) : next_ioctl(fd, request, arg);
}

static int has_sluice_fd(const struct pollfd* fds, nfds_t nfds) {
  for (nfds_t i = 0; i < nfds; ++i)
    if (slp_owns(fds[i].fd)) return 1;
  return 0;
}

EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  NEXT(poll, int (*)(struct pollfd*, nfds_t, int));
  return has_sluice_fd(fds, nfds) ? (int)result(slp_poll(fds, nfds, timeout)) : next_poll(fds, nfds, timeout);
}

EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen) {
  NEXT(__poll_chk, int (*)(struct pollfd*, nfds_t, int, size_t));
  return has_sluice_fd(fds, nfds) && nfds <= fdslen / sizeof *fds ? (int)result(slp_poll(fds, nfds, timeout))
                                                                   : next___poll_chk(fds, nfds, timeout, fdslen);
}
