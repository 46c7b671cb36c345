#pragma once
// Ethernet II frames: a view that is validated once by parse() and then cannot read out of bounds.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "wire/bytes.hpp"

namespace sluice::wire {

struct MacAddress {
  std::array<std::uint8_t, 6> octets{};

  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  /// Parses "aa:bb:cc:dd:ee:ff" (case-insensitive); nullopt on any other shape.
  static std::optional<MacAddress> parse(std::string_view text);
  std::string to_string() const;
  bool is_broadcast() const { return *this == broadcast(); }
  bool is_multicast() const { return (octets[0] & 1) != 0; }
  friend bool operator==(const MacAddress&, const MacAddress&) = default;
};

enum class EtherType : std::uint16_t { ipv4 = 0x0800, arp = 0x0806, ipv6 = 0x86dd };

class EthernetFrame {
 public:
  static constexpr std::size_t header_len = 14;

  /// nullopt when the buffer is shorter than a header.
  static std::optional<EthernetFrame> parse(std::span<std::uint8_t> bytes) {
    if (bytes.size() < header_len) return std::nullopt;
    return EthernetFrame(bytes);
  }

  MacAddress destination() const { return mac_at(0); }
  MacAddress source() const { return mac_at(6); }
  std::uint16_t ethertype() const { return load_be16(bytes_.data() + 12); }
  std::span<std::uint8_t> payload() const { return bytes_.subspan(header_len); }

  /// Writes a header into the first 14 bytes of `out` (which must be at least that long).
  static void emit(std::span<std::uint8_t> out, const MacAddress& dst, const MacAddress& src, EtherType type);

 private:
  explicit EthernetFrame(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  MacAddress mac_at(std::size_t offset) const;
  std::span<std::uint8_t> bytes_;
};

}  // namespace sluice::wire
