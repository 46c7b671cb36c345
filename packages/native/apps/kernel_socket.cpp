#include "apps/kernel_socket.hpp"

#include <arpa/inet.h>

#include <cerrno>

#include "util/error.hpp"

namespace sluice::apps {

sockaddr_in make_address(const std::string& address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (address.empty() || address == "0.0.0.0") {
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    throw Error(EINVAL, "\"" + address + "\" is not an IPv4 address");
  }
  return sa;
}

}  // namespace sluice::apps
