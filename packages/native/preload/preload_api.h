/*
 * The boundary between the interposed libc symbols (interpose.c, plain C) and the Sluice side of
 * the preload library (C++). Every slp_* call returns a value >= 0 or -errno; the interposer turns
 * that into the libc convention (-1 and errno). Nothing here is exported from the library.
 */
#ifndef SLUICE_PRELOAD_API_H
#define SLUICE_PRELOAD_API_H

#include <poll.h>
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

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PRELOAD_API_H */
