/*
 * The Sluice LibOS: one portable, queue-based network API (in the style of Demikernel) over the
 * Sluice stack on AF_XDP, DPDK, TAP or an in-process simulated wire. Plain C, stable layout; link
 * with -lsluice. The full reference, call by call, is docs/libos-api.md; the configuration is
 * docs/libos-config.md.
 *
 * Model:
 *  - One LibOS per process (sl_init), used from one thread. Nothing here takes locks. An app on N
 *    NIC queues runs N processes, each with "queue": i and "core": i (docs/data-path.md, Multi-queue).
 *  - Synchronous calls (sl_socket, sl_bind, sl_listen, sl_close, sl_*sockopt, sl_get*name) return
 *    a queue descriptor (qd) or 0, or -errno.
 *  - Asynchronous calls (sl_accept, sl_connect, sl_push, sl_pushto, sl_pop) return a qtoken (> 0)
 *    or -errno. The operation completes later; its result is collected once with sl_wait,
 *    sl_wait_any or sl_wait_next_n. Operations on one qd complete in the order they were issued
 *    (per kind: pops in order, pushes in order).
 *  - Progress happens inside the wait calls and sl_poll. A host event loop calls sl_poll(budget)
 *    while operations are in flight and sleeps on sl_wait_fd() (at most sl_next_timeout_ms())
 *    when idle, then harvests with a zero timeout.
 *  - Scatter-gather arrays (sl_sga_t) are LibOS buffers: get them from sl_sga_alloc or a completed
 *    pop, give them back with sl_sga_free. A pushed sga belongs to the stack until its push
 *    completes (then it is the application's again, to reuse or free); a popped sga belongs to the
 *    application until sl_sga_free. Double frees and pushes of freed buffers are detected by a
 *    generation tag and refused (-EALREADY, -EINVAL), never turned into memory corruption.
 */
#ifndef SLUICE_LIBOS_H
#define SLUICE_LIBOS_H

#include <errno.h> /* the -errno values every call returns */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most segments one sga carries; a larger allocation fails with -EMSGSIZE. */
#define SL_SGA_MAX_SEGMENTS 8

/** A qtoken names one asynchronous operation; valid ones are > 0, failures are -errno. */
typedef int64_t sl_qtoken_t;

typedef struct sl_sgaseg {
  void* buf;    /**< first byte of the segment, inside LibOS buffer memory */
  uint32_t len; /**< bytes; the application may shorten it before a push */
} sl_sgaseg_t;

typedef struct sl_sga {
  uint64_t handle;  /**< owner tag (buffer slot and generation); 0 = no buffer */
  uint32_t numsegs; /**< segments in use */
  sl_sgaseg_t segs[SL_SGA_MAX_SEGMENTS];
  struct sockaddr_in addr; /**< pop: who sent it (UDP) or the peer (TCP); unused by push */
} sl_sga_t;

typedef enum sl_opcode {
  SL_OPC_INVALID = 0,
  SL_OPC_PUSH = 1,
  SL_OPC_PUSHTO = 2,
  SL_OPC_POP = 3,
  SL_OPC_ACCEPT = 4,
  SL_OPC_CONNECT = 5,
} sl_opcode_t;

typedef struct sl_accept_result {
  int qd;                  /**< the new connection's queue descriptor */
  struct sockaddr_in addr; /**< the peer */
} sl_accept_result_t;

typedef struct sl_qresult {
  sl_opcode_t opcode;
  int qd;         /**< the queue the operation was issued on */
  sl_qtoken_t qt; /**< the operation */
  int ret;        /**< 0, or -errno when the operation failed */
  union {
    /** PUSH, PUSHTO: the sga that was pushed (the application's again). POP: the received bytes
     *  (the application's until sl_sga_free); numsegs 0 means end of stream (TCP) or an empty
     *  datagram (UDP, addr set). */
    sl_sga_t sga;
    sl_accept_result_t accepted; /**< ACCEPT */
  } value;
} sl_qresult_t;

/* Lifecycle. */

/** Starts the LibOS from `config`: a path to a JSON file, or JSON text (first non-blank character
 *  '{'). Environment variables SLUICE_<KEY> override keys (docs/libos-config.md). 0 or -errno
 *  (-EINVAL bad configuration, -EEXIST already started, -ENOSYS backend not built, device errors
 *  such as -ENODEV, -EBUSY, -EPERM); sl_last_error() then says why. */
int sl_init(const char* config);
/** Stops the LibOS: aborts every connection, frees every buffer, closes the device. 0, -ENXIO. */
int sl_fini(void);
/** The message of the last failed call that has one (sl_init above all); "" if none. Valid until
 *  the next LibOS call on this thread. */
const char* sl_last_error(void);

/* Synchronous calls. */

/** AF_INET with SOCK_STREAM (TCP) or SOCK_DGRAM (UDP); protocol 0 or the matching IPPROTO_*.
 *  A qd >= 0, or -EAFNOSUPPORT, -EPROTONOSUPPORT, -EMFILE (qd table full), -ENXIO. */
int sl_socket(int domain, int type, int protocol);
/** Local address (0.0.0.0 or the instance's) and port. UDP binds at once; TCP records it for
 *  sl_listen. 0, or -EBADF, -EINVAL, -EADDRINUSE, -EADDRNOTAVAIL, -EMFILE. */
int sl_bind(int qd, const struct sockaddr* addr, socklen_t addrlen);
/** TCP only, after sl_bind. 0, or -EBADF, -EOPNOTSUPP (UDP), -EDESTADDRREQ (not bound), -EINVAL,
 *  -EADDRINUSE, -EMFILE. */
int sl_listen(int qd, int backlog);
/** Closes the qd at once (later calls on it are -EBADF). Pending pops, accepts and connects complete
 *  with -ECANCELED. A TCP connection closes gracefully, as close(2) does: pushes still in flight
 *  finish and complete as usual, then FIN follows; SO_LINGER {1, 0} instead cancels them and
 *  resets the connection. 0 or -EBADF. */
int sl_close(int qd);
/** SOL_SOCKET: SO_KEEPALIVE, SO_LINGER, SO_REUSEADDR, SO_SNDBUF, SO_RCVBUF; IPPROTO_TCP:
 *  TCP_NODELAY, TCP_CONGESTION ("cubic" or "newreno", before the connection starts). 0 or -EBADF,
 *  -ENOPROTOOPT, -EINVAL, -EOPNOTSUPP (buffer sizes are per instance, see the docs), -EISCONN. */
int sl_setsockopt(int qd, int level, int optname, const void* optval, socklen_t optlen);
int sl_getsockopt(int qd, int level, int optname, void* optval, socklen_t* optlen);
/** Writes a struct sockaddr_in (truncated to *addrlen, which is set to its size). 0 or -EBADF,
 *  -EINVAL; sl_getpeername -ENOTCONN without a peer. */
int sl_getsockname(int qd, struct sockaddr* addr, socklen_t* addrlen);
int sl_getpeername(int qd, struct sockaddr* addr, socklen_t* addrlen);

/* Asynchronous calls: a qtoken > 0, or -errno when the call is refused outright. */

/** A connection on a listening qd; completes with value.accepted. */
sl_qtoken_t sl_accept(int qd);
/** TCP active open from an ephemeral port; completes with ret 0, -ECONNREFUSED, -ETIMEDOUT. */
sl_qtoken_t sl_connect(int qd, const struct sockaddr* addr, socklen_t addrlen);
/** Sends every byte of `sga` (all segments, in order) on a connected TCP qd or a UDP qd with a
 *  default peer. The sga is the stack's until the push completes. */
sl_qtoken_t sl_push(int qd, const sl_sga_t* sga);
/** One UDP datagram to `addr` (the segments concatenated). */
sl_qtoken_t sl_pushto(int qd, const sl_sga_t* sga, const struct sockaddr* addr, socklen_t addrlen);
/** Received bytes: one datagram (UDP) or what is there, up to one buffer's worth (TCP). */
sl_qtoken_t sl_pop(int qd);

/* Completions. `timeout` NULL waits forever; {0, 0} only polls. */

/** Waits for one operation and consumes its result. 0, or -ETIMEDOUT (the operation stays
 *  pending), -EINVAL (unknown or already consumed qtoken), -ENXIO. */
int sl_wait(sl_qtoken_t qt, sl_qresult_t* result, const struct timespec* timeout);
/** Waits for the first of `n` operations to complete; *index says which. Same returns as sl_wait. */
int sl_wait_any(const sl_qtoken_t* qts, int n, sl_qresult_t* result, int* index, const struct timespec* timeout);
/** Waits until at least one operation completes, then consumes up to `n` results in completion
 *  order. The count (1..n), or -ETIMEDOUT, -EINVAL, -ENXIO. */
int sl_wait_next_n(sl_qresult_t* results, int n, const struct timespec* timeout);

/* Buffers. */

/** `size` bytes (1..SL_SGA_MAX_SEGMENTS * buffer size) in as few segments as fit. 0, or -EINVAL,
 *  -EMSGSIZE (too large), -ENOMEM (pool exhausted). */
int sl_sga_alloc(size_t size, sl_sga_t* sga);
/** Gives the buffers back and clears sga->handle. 0, or -EALREADY (already freed: a double free),
 *  -EBUSY (still being pushed), -EINVAL (not a LibOS sga). */
int sl_sga_free(sl_sga_t* sga);

/* Event-loop integration. */

/** Runs the stack once: receives up to `budget` frames (0 = one burst), runs due timers, advances
 *  pending operations, transmits. The number of operations that completed, or -errno. */
int sl_poll(int budget);
/** A descriptor that becomes readable when frames may be waiting (the device's, or an eventfd
 *  that is always readable on backends without one); -ENXIO before sl_init. Never read from it. */
int sl_wait_fd(void);
/** Milliseconds until the stack has timer work (sleep at most that long), -1 for none, 0 now. */
int sl_next_timeout_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_LIBOS_H */
