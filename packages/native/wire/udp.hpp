#pragma once
// UDP (RFC 768) over IPv4: a view bounded by the UDP length field, checksum judging under a
// ChecksumPolicy, and emit/fill helpers that always produce a full checksum.
#include <cstdint>
#include <optional>
#include <span>

#include "wire/bytes.hpp"
#include "wire/checksum_policy.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::wire {

class UdpPacket {
 public:
  static constexpr std::size_t header_len = 8;
  static constexpr std::size_t checksum_offset = 6;

  /// `bytes` is the IP payload. nullopt when shorter than 8 bytes or when the length field is < 8
  /// or larger than `bytes`; bytes past the length field are excluded from the view.
  static std::optional<UdpPacket> parse(std::span<std::uint8_t> bytes);

  std::uint16_t source_port() const { return load_be16(bytes_.data()); }
  std::uint16_t destination_port() const { return load_be16(bytes_.data() + 2); }
  std::uint16_t length() const { return load_be16(bytes_.data() + 4); }
  std::uint16_t checksum() const { return load_be16(bytes_.data() + 6); }
  std::span<std::uint8_t> payload() const { return bytes_.subspan(header_len); }
  std::span<std::uint8_t> bytes() const { return bytes_; }

  /// A zero checksum field means "none" (ChecksumVerdict::absent) under every policy but skip.
  ChecksumVerdict judge_checksum(Ipv4Address source, Ipv4Address destination, ChecksumPolicy policy) const;

  /// Writes the header with a zero checksum into the first 8 bytes of `out`.
  static void emit_header(std::span<std::uint8_t> out, std::uint16_t source_port, std::uint16_t destination_port,
                          std::uint16_t payload_len);
  /// Computes the checksum over `datagram` (header + payload, length field already set) and the
  /// pseudo-header, and stores it; a computed 0 is sent as 0xffff (0 means "no checksum").
  static void fill_checksum(std::span<std::uint8_t> datagram, Ipv4Address source, Ipv4Address destination);

 private:
  explicit UdpPacket(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  std::span<std::uint8_t> bytes_;
};

}  // namespace sluice::wire
