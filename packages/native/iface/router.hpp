#pragma once
// Where an outgoing IPv4 packet goes on the link: the subnet directly, everything else via the
// gateway; broadcasts and multicast map straight to link addresses without ARP.
#include <optional>

#include "wire/ethernet.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::iface {

struct Route {
  enum class Kind { neighbor, broadcast, multicast, local, unreachable };
  Kind kind = Kind::unreachable;
  wire::Ipv4Address next_hop;  ///< for neighbor: the address to resolve with ARP
};

class Router {
 public:
  Router(wire::Ipv4Cidr subnet, std::optional<wire::Ipv4Address> gateway) : subnet_(subnet), gateway_(gateway) {}

  Route route(wire::Ipv4Address destination) const {
    if (destination == subnet_.address) return {Route::Kind::local, destination};
    if (destination.is_broadcast() || destination == subnet_.broadcast()) return {Route::Kind::broadcast, destination};
    if (destination.is_multicast()) return {Route::Kind::multicast, destination};
    if (subnet_.contains(destination)) return {Route::Kind::neighbor, destination};
    if (gateway_) return {Route::Kind::neighbor, *gateway_};
    return {Route::Kind::unreachable, destination};
  }

  const wire::Ipv4Cidr& subnet() const { return subnet_; }
  bool is_broadcast(wire::Ipv4Address address) const {
    return address.is_broadcast() || address == subnet_.broadcast();
  }

  /// RFC 1112 6.4: 01:00:5e followed by the low 23 bits of the group address.
  static wire::MacAddress multicast_mac(wire::Ipv4Address group) {
    return {{0x01, 0x00, 0x5e, static_cast<std::uint8_t>((group.value >> 16) & 0x7f),
             static_cast<std::uint8_t>(group.value >> 8), static_cast<std::uint8_t>(group.value)}};
  }

 private:
  wire::Ipv4Cidr subnet_;
  std::optional<wire::Ipv4Address> gateway_;
};

}  // namespace sluice::iface
