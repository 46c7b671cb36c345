#pragma once
// The synchronous half of the kernel backend: creating, binding and listening need no ring, so they
// are plain system calls returning a descriptor or -errno (never throwing), like the ring operations.
#include <netinet/in.h>

#include <cstdint>

namespace sluice::libos::kernel {

enum class Transport : std::uint8_t { tcp, udp };

/// A non-blocking, close-on-exec IPv4 socket (TCP ones with SO_REUSEADDR, so a restarted server can
/// bind while old connections sit in TIME_WAIT). Returns the fd or -errno.
int open_socket(Transport transport);
/// 0 or -errno.
int bind_socket(int fd, const sockaddr_in& local);
/// 0 or -errno.
int listen_socket(int fd, int backlog);
/// 0 or -errno; `out` is the bound address (the kernel's choice of port after binding port 0).
int local_address(int fd, sockaddr_in& out);
/// 0 or -errno (-ENOTCONN before a connection exists).
int peer_address(int fd, sockaddr_in& out);

/// An IPv4 socket address from a host-order address and port, e.g. ipv4(INADDR_LOOPBACK, 0).
sockaddr_in ipv4(std::uint32_t host_address, std::uint16_t port);

}  // namespace sluice::libos::kernel
