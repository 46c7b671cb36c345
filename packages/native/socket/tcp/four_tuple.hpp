#pragma once
// The identity of a connection: both endpoints.
#include <array>
#include <cstdint>

#include "socket/endpoint.hpp"

namespace sluice::socket::tcp {

struct FourTuple {
  Endpoint local;
  Endpoint remote;

  /// The 12 bytes hashed for ISNs and table slots: local address and port, remote address and port.
  std::array<std::uint8_t, 12> bytes() const {
    std::array<std::uint8_t, 12> out{};
    local.address.store(out.data());
    out[4] = static_cast<std::uint8_t>(local.port >> 8);
    out[5] = static_cast<std::uint8_t>(local.port);
    remote.address.store(out.data() + 6);
    out[10] = static_cast<std::uint8_t>(remote.port >> 8);
    out[11] = static_cast<std::uint8_t>(remote.port);
    return out;
  }
  friend constexpr bool operator==(const FourTuple&, const FourTuple&) = default;
};

}  // namespace sluice::socket::tcp
