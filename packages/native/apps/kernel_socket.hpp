#pragma once
// Small pieces the kernel-socket baselines share: an owned descriptor and address parsing.
#include <netinet/in.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace sluice::apps {

/// Owns a file descriptor; closes it when destroyed.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

/// The IPv4 socket address of address:port ("" or "0.0.0.0" is any); throws sluice::Error(EINVAL).
sockaddr_in make_address(const std::string& address, std::uint16_t port);

}  // namespace sluice::apps
