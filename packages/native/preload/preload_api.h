/*
 * The boundary between the interposed libc symbols (interpose.c, plain C) and the Sluice side of
 * the preload library (C++). Every slp_* call returns a value >= 0 or -errno; the interposer turns
 * that into the libc convention (-1 and errno). Nothing here is exported from the library.
 */
#ifndef SLUICE_PRELOAD_API_H
#define SLUICE_PRELOAD_API_H

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** slp_socket's answer for sockets the kernel keeps (not IPv4 TCP/UDP, or no SLUICE_CONFIG). */
#define SLP_PASSTHROUGH (-100000)

/** Non-zero when `fd` is a Sluice socket (a placeholder fd in the table). Cheap: an array read. */
int slp_owns(int fd);

int slp_socket(int domain, int type, int protocol);
int slp_bind(int fd, const struct sockaddr* addr, socklen_t len);
int slp_listen(int fd, int backlog);
int slp_accept(int fd, struct sockaddr* addr, socklen_t* len, int flags);
int slp_connect(int fd, const struct sockaddr* addr, socklen_t len);
ssize_t slp_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr, socklen_t* addrlen);
ssize_t slp_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* addr, socklen_t addrlen);
/** recvmsg/sendmsg (readv/writev are these with no name and no flags); no ancillary data. */
ssize_t slp_recvmsg(int fd, struct msghdr* msg, int flags);
ssize_t slp_sendmsg(int fd, const struct msghdr* msg, int flags);
int slp_recvmmsg(int fd, struct mmsghdr* msgs, unsigned int vlen, int flags, struct timespec* timeout);
int slp_sendmmsg(int fd, struct mmsghdr* msgs, unsigned int vlen, int flags);
/** sendfile to a Sluice fd: up to 64 KiB of the file per call, read then sent. */
ssize_t slp_sendfile(int out_fd, int in_fd, off_t* offset, size_t count);
/** dup of a Sluice fd: another placeholder naming the same socket. */
int slp_dup(int fd);
/** dup2 (dup2_semantics 1) or dup3 where oldfd or newfd is a Sluice fd or newfd an epoll fd
 *  holding Sluice fds. */
int slp_dup3(int oldfd, int newfd, int flags, int dup2_semantics);
int slp_close(int fd);
int slp_shutdown(int fd, int how);
int slp_setsockopt(int fd, int level, int name, const void* value, socklen_t len);
int slp_getsockopt(int fd, int level, int name, void* value, socklen_t* len);
int slp_getsockname(int fd, struct sockaddr* addr, socklen_t* len);
int slp_getpeername(int fd, struct sockaddr* addr, socklen_t* len);
/** fcntl on a Sluice fd: F_GETFL/F_SETFL (O_NONBLOCK) here, F_GETFD/F_SETFD on the placeholder. */
int slp_fcntl(int fd, int cmd, long arg);
/** ioctl on a Sluice fd: FIONBIO and FIONREAD; anything else -ENOTTY. */
int slp_ioctl(int fd, unsigned long request, void* arg);
/** poll over any mix of kernel and Sluice fds. */
int slp_poll(struct pollfd* fds, nfds_t nfds, int timeout_ms);
int slp_ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* mask);
/** Non-zero when one of the sets names a Sluice fd (below nfds). */
int slp_select_has_sluice_fd(int nfds, const fd_set* read, const fd_set* write, const fd_set* except);
int slp_select(int nfds, fd_set* read, fd_set* write, fd_set* except, struct timeval* timeout);
int slp_pselect(int nfds, fd_set* read, fd_set* write, fd_set* except, const struct timespec* timeout,
                const sigset_t* mask);

/** Non-zero when the epoll fd holds Sluice fds (then epoll_wait must come here). */
int slp_epoll_owns(int epfd);
/** epoll_ctl for a Sluice fd (kernel fds go to the kernel's epoll_ctl). */
int slp_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event);
/** epoll_wait/epoll_pwait on a set holding Sluice fds; SLP_PASSTHROUGH if it no longer does. */
int slp_epoll_wait(int epfd, struct epoll_event* events, int max, int timeout_ms, const sigset_t* mask);
/** close() of a kernel fd that may be an epoll fd holding Sluice fds. */
void slp_forget_epoll(int epfd);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PRELOAD_API_H */
