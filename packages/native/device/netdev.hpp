#pragma once
// What the kernel says about a network interface, asked once when a backend opens it. Shared by the
// backends that attach to a kernel interface (AF_XDP, TAP); not used on the data path.
#include <cstdint>
#include <string>

#include "wire/ethernet.hpp"

namespace sluice::device::netdev {

struct InterfaceFacts {
  unsigned ifindex = 0;
  std::uint32_t mtu = 0;
  wire::MacAddress mac;
  std::uint32_t rx_queues = 0;  ///< receive queues in use (ethtool channels); 0 = the driver does not say
};

/// Throws Error(EINVAL) for a name the kernel could never accept, naming `backend` in the message.
void check_interface_name(const std::string& name, const char* backend);

/// True when an interface of that name exists in this network namespace.
bool interface_exists(const std::string& name);

/// Throws Error(ENODEV, "<backend>: no interface <name> ...") when it does not exist.
InterfaceFacts query_interface(const std::string& name, const char* backend);

}  // namespace sluice::device::netdev
