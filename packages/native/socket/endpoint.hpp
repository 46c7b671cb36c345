#pragma once
#include <cstdint>

#include "wire/ipv4_address.hpp"

namespace sluice::socket {

/// An IPv4 address and port. Address 0 means "any" when binding.
struct Endpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 0;
  friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace sluice::socket
