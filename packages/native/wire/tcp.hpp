#pragma once
// TCP segments (RFC 9293) over IPv4: a view validated once by parse() (data offset and every option
// checked, so accessors never read out of bounds), an options iterator, and an emitter that writes a
// header with options into a given buffer. Options: MSS, window scale (RFC 7323), SACK-permitted and
// SACK blocks (RFC 2018), timestamps (RFC 7323), NOP and EOL; unknown kinds are skipped by length.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "wire/bytes.hpp"
#include "wire/checksum_policy.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::wire {

namespace tcp_flags {
constexpr std::uint8_t fin = 0x01;
constexpr std::uint8_t syn = 0x02;
constexpr std::uint8_t rst = 0x04;
constexpr std::uint8_t psh = 0x08;
constexpr std::uint8_t ack = 0x10;
constexpr std::uint8_t urg = 0x20;
constexpr std::uint8_t ece = 0x40;
constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flags

enum class TcpOptionKind : std::uint8_t {
  end = 0,
  nop = 1,
  mss = 2,
  window_scale = 3,
  sack_permitted = 4,
  sack = 5,
  timestamps = 8,
};

struct SackBlock {
  std::uint32_t left = 0;   ///< first sequence number of the block
  std::uint32_t right = 0;  ///< one past the last sequence number
  friend constexpr bool operator==(const SackBlock&, const SackBlock&) = default;
};

/// The options the stack understands, as values. Absent options have their `has_` flag false.
struct TcpOptions {
  static constexpr std::size_t max_sack_blocks = 4;  ///< 2 + 4 * 8 = 34 bytes fit in 40

  bool has_mss = false;
  std::uint16_t mss = 0;
  bool has_window_scale = false;
  std::uint8_t window_scale = 0;  ///< the shift as received; callers clamp to 14 (RFC 7323 2.3)
  bool sack_permitted = false;
  bool has_timestamps = false;
  std::uint32_t ts_value = 0;
  std::uint32_t ts_echo_reply = 0;
  std::uint8_t sack_block_count = 0;
  std::array<SackBlock, max_sack_blocks> sack_blocks{};

  std::span<const SackBlock> sacks() const { return {sack_blocks.data(), sack_block_count}; }
  /// Bytes emit() uses for these options, a multiple of 4; more than 40 cannot be emitted.
  std::size_t emitted_length() const;
  friend bool operator==(const TcpOptions&, const TcpOptions&) = default;
};

/// One option as it appears on the wire: its kind and the bytes after kind and length.
struct TcpOption {
  std::uint8_t kind = 0;
  std::span<const std::uint8_t> data;
};

/// Walks the option bytes of a header. Stops at EOL or the end; reports malformed options (length
/// below 2 or past the end, a known kind with the wrong length) through malformed().
class TcpOptionIterator {
 public:
  explicit TcpOptionIterator(std::span<const std::uint8_t> options) : rest_(options) {}
  /// The next option other than NOP; false at the end, at EOL, or when the rest is malformed.
  bool next(TcpOption& out);
  bool malformed() const { return malformed_; }

 private:
  std::span<const std::uint8_t> rest_;
  bool malformed_ = false;
};

enum class TcpParseError {
  none,
  truncated,          ///< fewer than 20 bytes
  bad_data_offset,    ///< data offset < 5, or the header is longer than the segment
  malformed_options,  ///< an option's length is impossible or wrong for its kind
};

class TcpSegment {
 public:
  static constexpr std::size_t min_header_len = 20;
  static constexpr std::size_t max_header_len = 60;
  static constexpr std::size_t checksum_offset = 16;

  /// `bytes` is the whole IP payload. Validates the data offset and every option.
  static std::optional<TcpSegment> parse(std::span<std::uint8_t> bytes, TcpParseError* error = nullptr);

  std::uint16_t source_port() const { return load_be16(bytes_.data()); }
  std::uint16_t destination_port() const { return load_be16(bytes_.data() + 2); }
  std::uint32_t sequence() const { return load_be32(bytes_.data() + 4); }
  std::uint32_t acknowledgment() const { return load_be32(bytes_.data() + 8); }
  std::size_t header_len() const { return static_cast<std::size_t>(bytes_[12] >> 4) * 4; }
  std::uint8_t flags() const { return bytes_[13]; }
  bool has(std::uint8_t flag) const { return (bytes_[13] & flag) != 0; }
  bool fin() const { return has(tcp_flags::fin); }
  bool syn() const { return has(tcp_flags::syn); }
  bool rst() const { return has(tcp_flags::rst); }
  bool ack() const { return has(tcp_flags::ack); }
  /// The raw 16-bit window field (unscaled).
  std::uint16_t window() const { return load_be16(bytes_.data() + 14); }
  std::uint16_t checksum() const { return load_be16(bytes_.data() + 16); }
  std::uint16_t urgent_pointer() const { return load_be16(bytes_.data() + 18); }
  std::span<const std::uint8_t> option_bytes() const { return {bytes_.data() + min_header_len, header_len() - min_header_len}; }
  std::span<std::uint8_t> payload() const { return bytes_.subspan(header_len()); }
  std::span<std::uint8_t> bytes() const { return bytes_; }
  /// Sequence space the segment occupies: payload plus one each for SYN and FIN.
  std::uint32_t sequence_length() const {
    return static_cast<std::uint32_t>(payload().size()) + (syn() ? 1u : 0u) + (fin() ? 1u : 0u);
  }
  /// The options as values (validated by parse, so this cannot fail). A SACK option with more
  /// than 4 blocks cannot occur (40 bytes hold at most 4).
  TcpOptions options() const;

  ChecksumVerdict judge_checksum(Ipv4Address source, Ipv4Address destination, ChecksumPolicy policy) const;

 private:
  explicit TcpSegment(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  std::span<std::uint8_t> bytes_;
};

/// The fields of a header to emit.
struct TcpHeader {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t sequence = 0;
  std::uint32_t acknowledgment = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint16_t urgent_pointer = 0;
  TcpOptions options;

  /// 20 + options().emitted_length().
  std::size_t header_len() const { return TcpSegment::min_header_len + options.emitted_length(); }
  /// Writes the header with a zero checksum into the start of `out` and returns its length, or 0
  /// when the options exceed 40 bytes or `out` is too short. Options are laid out as Linux does
  /// (MSS, SACK-permitted + timestamps, NOP + window scale, NOP NOP + SACK), padded with NOPs.
  std::size_t emit(std::span<std::uint8_t> out) const;
};

/// Computes the checksum over `segment` (header and payload) and the pseudo-header, and stores it.
void fill_tcp_checksum(std::span<std::uint8_t> segment, Ipv4Address source, Ipv4Address destination);

}  // namespace sluice::wire
