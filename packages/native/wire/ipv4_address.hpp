#pragma once
// IPv4 addresses as host-order integers (so prefix math is plain arithmetic) and CIDR prefixes.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/bytes.hpp"

namespace sluice::wire {

struct Ipv4Address {
  std::uint32_t value = 0;  ///< host order: 198.18.0.1 is 0xc6120001

  static constexpr Ipv4Address from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d};
  }
  static constexpr Ipv4Address unspecified() { return {0}; }
  static constexpr Ipv4Address broadcast() { return {0xffffffffu}; }
  /// Dotted quad "198.18.0.1": exactly four decimal octets, no leading zeros (no octal ambiguity).
  static std::optional<Ipv4Address> parse(std::string_view text);
  std::string to_string() const;

  /// Reads / writes the four network-order bytes at `p`.
  static Ipv4Address load(const std::uint8_t* p) { return {load_be32(p)}; }
  void store(std::uint8_t* p) const { store_be32(p, value); }

  constexpr bool is_unspecified() const { return value == 0; }
  constexpr bool is_broadcast() const { return value == 0xffffffffu; }
  constexpr bool is_multicast() const { return (value >> 28) == 0xe; }
  constexpr bool is_loopback() const { return (value >> 24) == 127; }
  friend constexpr auto operator<=>(Ipv4Address, Ipv4Address) = default;
};

/// An address with a prefix length, e.g. the interface's "198.18.0.1/24".
struct Ipv4Cidr {
  Ipv4Address address;
  std::uint8_t prefix_length = 32;

  /// "a.b.c.d/n" with n in 0..32; nullopt otherwise.
  static std::optional<Ipv4Cidr> parse(std::string_view text);
  std::string to_string() const;

  static constexpr std::uint32_t mask_of(std::uint8_t prefix_length) {
    return prefix_length == 0 ? 0 : prefix_length >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix_length);
  }
  constexpr Ipv4Address netmask() const { return {mask_of(prefix_length)}; }
  constexpr Ipv4Address network() const { return {address.value & mask_of(prefix_length)}; }
  /// The directed broadcast address; /31 and /32 have none (RFC 3021), so it is nullopt there.
  constexpr std::optional<Ipv4Address> broadcast() const {
    if (prefix_length >= 31) return std::nullopt;
    return Ipv4Address{address.value | ~mask_of(prefix_length)};
  }
  constexpr bool contains(Ipv4Address other) const {
    return ((other.value ^ address.value) & mask_of(prefix_length)) == 0;
  }
  friend constexpr bool operator==(const Ipv4Cidr&, const Ipv4Cidr&) = default;
};

}  // namespace sluice::wire
