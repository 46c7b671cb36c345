#include "wire/arp.hpp"

#include <algorithm>

namespace sluice::wire {

namespace {
constexpr std::uint16_t hardware_ethernet = 1;
constexpr std::uint16_t protocol_ipv4 = 0x0800;
}  // namespace

std::optional<ArpPacket> ArpPacket::parse(std::span<std::uint8_t> bytes) {
  if (bytes.size() < len) return std::nullopt;
  const std::uint8_t* p = bytes.data();
  if (load_be16(p) != hardware_ethernet || load_be16(p + 2) != protocol_ipv4 || p[4] != 6 || p[5] != 4) {
    return std::nullopt;
  }
  const std::uint16_t operation = load_be16(p + 6);
  if (operation != 1 && operation != 2) return std::nullopt;
  return ArpPacket(bytes.first(len));
}

MacAddress ArpPacket::mac_at(std::size_t offset) const {
  MacAddress mac;
  std::copy_n(bytes_.data() + offset, 6, mac.octets.begin());
  return mac;
}

void ArpPacket::emit(std::span<std::uint8_t> out, const ArpFields& fields) {
  std::uint8_t* p = out.data();
  store_be16(p, hardware_ethernet);
  store_be16(p + 2, protocol_ipv4);
  p[4] = 6;
  p[5] = 4;
  store_be16(p + 6, static_cast<std::uint16_t>(fields.operation));
  std::copy(fields.sender_mac.octets.begin(), fields.sender_mac.octets.end(), p + 8);
  fields.sender_ip.store(p + 14);
  std::copy(fields.target_mac.octets.begin(), fields.target_mac.octets.end(), p + 18);
  fields.target_ip.store(p + 24);
}

}  // namespace sluice::wire
