#pragma once
// IPv4 headers (RFC 791): a view validated once by parse(), and an emitter for the fixed 20-byte
// header the stack sends (it never sends options).
#include <cstdint>
#include <optional>
#include <span>

#include "wire/bytes.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::wire {

enum class IpProtocol : std::uint8_t { icmp = 1, tcp = 6, udp = 17 };

enum class Ipv4ParseError {
  none,
  truncated,           ///< fewer than 20 bytes, or fewer than the IHL says
  bad_version,         ///< version field is not 4
  bad_header_length,   ///< IHL < 5
  bad_total_length,    ///< total length < IHL * 4, or larger than the bytes received
};

class Ipv4Packet {
 public:
  static constexpr std::size_t min_header_len = 20;
  static constexpr std::size_t max_header_len = 60;

  /// Validates version, IHL and total length against `bytes`. Bytes beyond the total length
  /// (Ethernet padding) are excluded from the view. The header checksum is checked separately.
  static std::optional<Ipv4Packet> parse(std::span<std::uint8_t> bytes, Ipv4ParseError* error = nullptr);

  std::uint8_t version() const { return bytes_[0] >> 4; }
  std::size_t header_len() const { return std::size_t{bytes_[0] & 0x0fu} * 4; }
  std::uint8_t dscp_ecn() const { return bytes_[1]; }
  std::uint16_t total_length() const { return load_be16(bytes_.data() + 2); }
  std::uint16_t identification() const { return load_be16(bytes_.data() + 4); }
  bool dont_fragment() const { return (bytes_[6] & 0x40) != 0; }
  bool more_fragments() const { return (bytes_[6] & 0x20) != 0; }
  /// Offset of this fragment's payload in the original datagram, in bytes.
  std::uint32_t fragment_offset() const { return std::uint32_t{load_be16(bytes_.data() + 6) & 0x1fffu} * 8; }
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return bytes_[8]; }
  std::uint8_t protocol() const { return bytes_[9]; }
  std::uint16_t header_checksum() const { return load_be16(bytes_.data() + 10); }
  Ipv4Address source() const { return Ipv4Address::load(bytes_.data() + 12); }
  Ipv4Address destination() const { return Ipv4Address::load(bytes_.data() + 16); }

  std::span<std::uint8_t> header() const { return bytes_.first(header_len()); }
  std::span<std::uint8_t> options() const { return bytes_.subspan(min_header_len, header_len() - min_header_len); }
  std::span<std::uint8_t> payload() const { return bytes_.subspan(header_len()); }
  /// Header and payload: exactly total_length() bytes.
  std::span<std::uint8_t> bytes() const { return bytes_; }

  bool header_checksum_valid() const;

 private:
  explicit Ipv4Packet(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  std::span<std::uint8_t> bytes_;
};

/// The fields of a header the stack emits: 20 bytes, no options.
struct Ipv4Header {
  Ipv4Address source;
  Ipv4Address destination;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 64;
  std::uint8_t dscp_ecn = 0;
  std::uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint32_t fragment_offset = 0;  ///< bytes; a multiple of 8
  std::uint16_t payload_length = 0;   ///< bytes after the header

  /// Writes the 20-byte header, checksum included, into the start of `out` (>= 20 bytes).
  void emit(std::span<std::uint8_t> out) const;
};

/// Recomputes the header checksum of a header in place (its length taken from its IHL).
void fill_ipv4_header_checksum(std::span<std::uint8_t> header);

/// The one's-complement accumulator of the pseudo-header that UDP and TCP checksums cover.
std::uint64_t ipv4_pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::uint8_t protocol,
                                     std::uint16_t transport_length);

}  // namespace sluice::wire
