#pragma once
// ARP (RFC 826) for Ethernet and IPv4 only: other hardware or protocol types are rejected by parse().
#include <cstdint>
#include <optional>
#include <span>

#include "wire/ethernet.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::wire {

enum class ArpOperation : std::uint16_t { request = 1, reply = 2 };

struct ArpFields {
  ArpOperation operation = ArpOperation::request;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;
  Ipv4Address target_ip;
};

class ArpPacket {
 public:
  static constexpr std::size_t len = 28;

  /// nullopt unless the packet is at least 28 bytes of Ethernet/IPv4 ARP with operation 1 or 2.
  static std::optional<ArpPacket> parse(std::span<std::uint8_t> bytes);

  ArpOperation operation() const { return static_cast<ArpOperation>(load_be16(bytes_.data() + 6)); }
  MacAddress sender_mac() const { return mac_at(8); }
  Ipv4Address sender_ip() const { return Ipv4Address::load(bytes_.data() + 14); }
  MacAddress target_mac() const { return mac_at(18); }
  Ipv4Address target_ip() const { return Ipv4Address::load(bytes_.data() + 24); }
  ArpFields fields() const { return {operation(), sender_mac(), sender_ip(), target_mac(), target_ip()}; }

  /// Writes the 28-byte packet into the start of `out`.
  static void emit(std::span<std::uint8_t> out, const ArpFields& fields);

 private:
  explicit ArpPacket(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  MacAddress mac_at(std::size_t offset) const;
  std::span<std::uint8_t> bytes_;
};

}  // namespace sluice::wire
