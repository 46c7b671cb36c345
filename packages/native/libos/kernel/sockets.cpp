#include "libos/kernel/sockets.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sluice::libos::kernel {

namespace {
int result_of(int rc) { return rc < 0 ? -errno : rc; }
}  // namespace

int open_socket(Transport transport) {
  const int type = (transport == Transport::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return -errno;
  if (transport == Transport::tcp) {
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
      const int error = errno;
      ::close(fd);
      return -error;
    }
  }
  return fd;
}

int bind_socket(int fd, const sockaddr_in& local) {
  return result_of(::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)));
}

int listen_socket(int fd, int backlog) { return result_of(::listen(fd, backlog)); }

int local_address(int fd, sockaddr_in& out) {
  socklen_t length = sizeof(out);
  return result_of(::getsockname(fd, reinterpret_cast<sockaddr*>(&out), &length));
}

int peer_address(int fd, sockaddr_in& out) {
  socklen_t length = sizeof(out);
  return result_of(::getpeername(fd, reinterpret_cast<sockaddr*>(&out), &length));
}

sockaddr_in ipv4(std::uint32_t host_address, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(host_address);
  address.sin_port = htons(port);
  return address;
}

}  // namespace sluice::libos::kernel
