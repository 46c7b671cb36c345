#pragma once
// ICMPv4 (RFC 792): the 8-byte header common to all types, echo, and destination unreachable.
#include <cstdint>
#include <optional>
#include <span>

#include "wire/bytes.hpp"

namespace sluice::wire {

enum class IcmpType : std::uint8_t {
  echo_reply = 0,
  destination_unreachable = 3,
  source_quench = 4,
  redirect = 5,
  echo_request = 8,
  time_exceeded = 11,
  parameter_problem = 12,
};

enum class UnreachableCode : std::uint8_t { net = 0, host = 1, protocol = 2, port = 3, fragmentation_needed = 4 };

class IcmpPacket {
 public:
  static constexpr std::size_t header_len = 8;
  /// Destination unreachable quotes the original IP header and this many bytes after it.
  static constexpr std::size_t quoted_payload_len = 8;

  /// nullopt when shorter than the 8-byte header. The checksum is checked separately.
  static std::optional<IcmpPacket> parse(std::span<std::uint8_t> bytes);

  std::uint8_t type() const { return bytes_[0]; }
  std::uint8_t code() const { return bytes_[1]; }
  std::uint16_t checksum() const { return load_be16(bytes_.data() + 2); }
  /// Echo request/reply fields (bytes 4..8).
  std::uint16_t identifier() const { return load_be16(bytes_.data() + 4); }
  std::uint16_t sequence() const { return load_be16(bytes_.data() + 6); }
  std::uint32_t rest_of_header() const { return load_be32(bytes_.data() + 4); }
  /// Echo data, or the quoted datagram of an error.
  std::span<std::uint8_t> data() const { return bytes_.subspan(header_len); }
  std::span<std::uint8_t> bytes() const { return bytes_; }

  bool checksum_valid() const;
  /// Error messages must never be answered with errors (RFC 1122 3.2.2).
  static bool is_error_type(std::uint8_t type);

  /// Writes type, code and rest-of-header into the first 8 bytes of `message` and then the checksum
  /// over all of `message` (whose data must already be in place).
  static void emit(std::span<std::uint8_t> message, IcmpType type, std::uint8_t code, std::uint32_t rest_of_header);

  /// Builds a destination unreachable into `out`: header, then `quoted` (the offending IP header and
  /// the first 8 bytes of its payload). `quoted` may overlap `out` (it is moved, not copied).
  /// Returns the message length; `out` must hold header_len + quoted.size() bytes.
  static std::size_t emit_destination_unreachable(std::span<std::uint8_t> out, UnreachableCode code,
                                                  std::span<const std::uint8_t> quoted);

 private:
  explicit IcmpPacket(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  std::span<std::uint8_t> bytes_;
};

}  // namespace sluice::wire
