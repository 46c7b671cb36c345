/*
 * The libc symbols this library interposes. Each is a thin switch: a Sluice fd (or, for socket, an
 * IPv4 TCP/UDP socket when SLUICE_CONFIG is set) goes to the slp_* side, anything else to the next
 * definition (libc) through dlsym(RTLD_NEXT). Only these symbols are exported (exports.map).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
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
  /* A loopback bind moves the socket to the kernel (SLP_PASSTHROUGH): the kernel binds it. */
  int rc = slp_owns(fd) ? slp_bind(fd, addr, len) : SLP_PASSTHROUGH;
  return rc == SLP_PASSTHROUGH ? next_bind(fd, addr, len) : (int)result(rc);
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
  int rc = slp_owns(fd) ? slp_connect(fd, addr, len) : SLP_PASSTHROUGH;
  return rc == SLP_PASSTHROUGH ? next_connect(fd, addr, len) : (int)result(rc);
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

EXPORT ssize_t readv(int fd, const struct iovec* iov, int count) {
  NEXT(readv, ssize_t (*)(int, const struct iovec*, int));
  if (!slp_owns(fd)) return next_readv(fd, iov, count);
  if (count < 0 || count > IOV_MAX) return result(-EINVAL);
  struct msghdr msg = {.msg_iov = (struct iovec*)iov, .msg_iovlen = (size_t)count};
  return result(slp_recvmsg(fd, &msg, 0));
}

EXPORT ssize_t writev(int fd, const struct iovec* iov, int count) {
  NEXT(writev, ssize_t (*)(int, const struct iovec*, int));
  if (!slp_owns(fd)) return next_writev(fd, iov, count);
  if (count < 0 || count > IOV_MAX) return result(-EINVAL);
  struct msghdr msg = {.msg_iov = (struct iovec*)iov, .msg_iovlen = (size_t)count};
  return result(slp_sendmsg(fd, &msg, 0));
}

EXPORT ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  NEXT(recvmsg, ssize_t (*)(int, struct msghdr*, int));
  return slp_owns(fd) ? result(slp_recvmsg(fd, msg, flags)) : next_recvmsg(fd, msg, flags);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  NEXT(sendmsg, ssize_t (*)(int, const struct msghdr*, int));
  return slp_owns(fd) ? result(slp_sendmsg(fd, msg, flags)) : next_sendmsg(fd, msg, flags);
}

EXPORT int recvmmsg(int fd, struct mmsghdr* msgs, unsigned int vlen, int flags, struct timespec* timeout) {
  NEXT(recvmmsg, int (*)(int, struct mmsghdr*, unsigned int, int, struct timespec*));
  return slp_owns(fd) ? (int)result(slp_recvmmsg(fd, msgs, vlen, flags, timeout))
                      : next_recvmmsg(fd, msgs, vlen, flags, timeout);
}

EXPORT int sendmmsg(int fd, struct mmsghdr* msgs, unsigned int vlen, int flags) {
  NEXT(sendmmsg, int (*)(int, struct mmsghdr*, unsigned int, int));
  return slp_owns(fd) ? (int)result(slp_sendmmsg(fd, msgs, vlen, flags)) : next_sendmmsg(fd, msgs, vlen, flags);
}

EXPORT int close(int fd) {
  NEXT(close, int (*)(int));
  if (slp_owns(fd)) return (int)result(slp_close(fd));
  if (slp_epoll_owns(fd)) slp_forget_epoll(fd);
  return next_close(fd);
}

EXPORT int dup(int fd) {
  NEXT(dup, int (*)(int));
  return slp_owns(fd) ? (int)result(slp_dup(fd)) : next_dup(fd);
}

EXPORT int dup2(int oldfd, int newfd) {
  NEXT(dup2, int (*)(int, int));
  return slp_owns(oldfd) || slp_owns(newfd) || slp_epoll_owns(newfd) ? (int)result(slp_dup3(oldfd, newfd, 0, 1))
                                                                     : next_dup2(oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags) {
  NEXT(dup3, int (*)(int, int, int));
  return slp_owns(oldfd) || slp_owns(newfd) || slp_epoll_owns(newfd) ? (int)result(slp_dup3(oldfd, newfd, flags, 0))
                                                                     : next_dup3(oldfd, newfd, flags);
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

EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* mask) {
  NEXT(ppoll, int (*)(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*));
  return has_sluice_fd(fds, nfds) ? (int)result(slp_ppoll(fds, nfds, timeout, mask)) : next_ppoll(fds, nfds, timeout, mask);
}

EXPORT int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* mask,
                       size_t fdslen) {
  NEXT(__ppoll_chk, int (*)(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*, size_t));
  return has_sluice_fd(fds, nfds) && nfds <= fdslen / sizeof *fds ? (int)result(slp_ppoll(fds, nfds, timeout, mask))
                                                                   : next___ppoll_chk(fds, nfds, timeout, mask, fdslen);
}

EXPORT int select(int nfds, fd_set* read, fd_set* write, fd_set* except, struct timeval* timeout) {
  NEXT(select, int (*)(int, fd_set*, fd_set*, fd_set*, struct timeval*));
  return slp_select_has_sluice_fd(nfds, read, write, except) ? (int)result(slp_select(nfds, read, write, except, timeout))
                                                             : next_select(nfds, read, write, except, timeout);
}

EXPORT int pselect(int nfds, fd_set* read, fd_set* write, fd_set* except, const struct timespec* timeout,
                   const sigset_t* mask) {
  NEXT(pselect, int (*)(int, fd_set*, fd_set*, fd_set*, const struct timespec*, const sigset_t*));
  return slp_select_has_sluice_fd(nfds, read, write, except)
             ? (int)result(slp_pselect(nfds, read, write, except, timeout, mask))
             : next_pselect(nfds, read, write, except, timeout, mask);
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
  NEXT(epoll_ctl, int (*)(int, int, int, struct epoll_event*));
  return slp_owns(fd) ? (int)result(slp_epoll_ctl(epfd, op, fd, event)) : next_epoll_ctl(epfd, op, fd, event);
}

/* The kernel's answer when the set holds no Sluice fd (or no longer does). */
static int kernel_epoll_pwait2(int epfd, struct epoll_event* events, int max, const struct timespec* timeout,
                               const sigset_t* mask);

static int epoll_timeout_ms(const struct timespec* timeout) {
  if (timeout == NULL) return -1;
  long long ms = (long long)timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000;
  return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int max, const struct timespec* timeout,
                        const sigset_t* mask) {
  if (slp_epoll_owns(epfd)) {
    int rc = slp_epoll_wait(epfd, events, max, epoll_timeout_ms(timeout), mask);
    if (rc != SLP_PASSTHROUGH) return (int)result(rc);
  }
  return kernel_epoll_pwait2(epfd, events, max, timeout, mask);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int max, int timeout, const sigset_t* mask) {
  NEXT(epoll_pwait, int (*)(int, struct epoll_event*, int, int, const sigset_t*));
  if (slp_epoll_owns(epfd)) {
    int rc = slp_epoll_wait(epfd, events, max, timeout, mask);
    if (rc != SLP_PASSTHROUGH) return (int)result(rc);
  }
  return next_epoll_pwait(epfd, events, max, timeout, mask);
}

EXPORT int epoll_wait(int epfd, struct epoll_event* events, int max, int timeout) {
  NEXT(epoll_wait, int (*)(int, struct epoll_event*, int, int));
  if (slp_epoll_owns(epfd)) {
    int rc = slp_epoll_wait(epfd, events, max, timeout, NULL);
    if (rc != SLP_PASSTHROUGH) return (int)result(rc);
  }
  return next_epoll_wait(epfd, events, max, timeout);
}

static int kernel_epoll_pwait2(int epfd, struct epoll_event* events, int max, const struct timespec* timeout,
                               const sigset_t* mask) {
  NEXT(epoll_pwait2, int (*)(int, struct epoll_event*, int, const struct timespec*, const sigset_t*));
  return next_epoll_pwait2(epfd, events, max, timeout, mask);
}

EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
  NEXT(sendfile, ssize_t (*)(int, int, off_t*, size_t));
  return slp_owns(out_fd) ? result(slp_sendfile(out_fd, in_fd, offset, count)) : next_sendfile(out_fd, in_fd, offset, count);
}

EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t* offset, size_t count) {
  NEXT(sendfile64, ssize_t (*)(int, int, off_t*, size_t));
  return slp_owns(out_fd) ? result(slp_sendfile(out_fd, in_fd, offset, count))
                          : next_sendfile64(out_fd, in_fd, offset, count);
}

/* libuv (Node.js) closes descriptors with syscall(SYS_close, fd), not close(): that one call is
 * caught here; every other system call passes through with its six argument registers. */
EXPORT long syscall(long number, ...) {
  NEXT(syscall, long (*)(long, ...));
  va_list args;
  va_start(args, number);
  long a1 = va_arg(args, long), a2 = va_arg(args, long), a3 = va_arg(args, long);
  long a4 = va_arg(args, long), a5 = va_arg(args, long), a6 = va_arg(args, long);
  va_end(args);
  if (number == SYS_close && slp_owns((int)a1)) return result(slp_close((int)a1));
  return next_syscall(number, a1, a2, a3, a4, a5, a6);
}
