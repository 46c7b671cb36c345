#include "wire/tcp.hpp"

#include <algorithm>

#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"

namespace sluice::wire {

namespace {
constexpr std::size_t max_options_len = TcpSegment::max_header_len - TcpSegment::min_header_len;

/// Option lengths (kind and length bytes included) fixed by their RFCs; 0 for variable or unknown.
constexpr std::size_t fixed_length_of(std::uint8_t kind) {
  switch (static_cast<TcpOptionKind>(kind)) {
    case TcpOptionKind::mss:
      return 4;
    case TcpOptionKind::window_scale:
      return 3;
    case TcpOptionKind::sack_permitted:
      return 2;
    case TcpOptionKind::timestamps:
      return 10;
    default:
      return 0;
  }
}

bool length_fits_kind(std::uint8_t kind, std::size_t length) {
  if (kind == static_cast<std::uint8_t>(TcpOptionKind::sack)) {
    return length >= 10 && (length - 2) % 8 == 0;
  }
  const std::size_t fixed = fixed_length_of(kind);
  return fixed == 0 || fixed == length;
}
}  // namespace

bool TcpOptionIterator::next(TcpOption& out) {
  while (!rest_.empty()) {
    const std::uint8_t kind = rest_[0];
    if (kind == static_cast<std::uint8_t>(TcpOptionKind::end)) {
      rest_ = {};
      return false;
    }
    if (kind == static_cast<std::uint8_t>(TcpOptionKind::nop)) {
      rest_ = rest_.subspan(1);
      continue;
    }
    if (rest_.size() < 2 || rest_[1] < 2 || rest_[1] > rest_.size() || !length_fits_kind(kind, rest_[1])) {
      malformed_ = true;
      rest_ = {};
      return false;
    }
    const std::size_t length = rest_[1];
    out.kind = kind;
    out.data = rest_.subspan(2, length - 2);
    rest_ = rest_.subspan(length);
    return true;
  }
  return false;
}

std::size_t TcpOptions::emitted_length() const {
  std::size_t length = has_mss ? 4 : 0;
  if (has_timestamps) {
    length += 12;  // SACK-permitted, when also present, takes the two bytes NOPs would
  } else if (sack_permitted) {
    length += 4;
  }
  if (has_window_scale) length += 4;
  if (sack_block_count > 0) length += 4 + std::size_t{sack_block_count} * 8;
  return length;
}

std::optional<TcpSegment> TcpSegment::parse(std::span<std::uint8_t> bytes, TcpParseError* error) {
  auto fail = [error](TcpParseError reason) -> std::optional<TcpSegment> {
    if (error != nullptr) *error = reason;
    return std::nullopt;
  };
  if (bytes.size() < min_header_len) return fail(TcpParseError::truncated);
  const std::size_t header_len = static_cast<std::size_t>(bytes[12] >> 4) * 4;
  if (header_len < min_header_len || header_len > bytes.size()) return fail(TcpParseError::bad_data_offset);
  TcpOptionIterator options({bytes.data() + min_header_len, header_len - min_header_len});
  TcpOption option;
  while (options.next(option)) {
  }
  if (options.malformed()) return fail(TcpParseError::malformed_options);
  if (error != nullptr) *error = TcpParseError::none;
  return TcpSegment(bytes);
}

TcpOptions TcpSegment::options() const {
  TcpOptions out;
  TcpOptionIterator options(option_bytes());
  TcpOption option;
  while (options.next(option)) {
    switch (static_cast<TcpOptionKind>(option.kind)) {
      case TcpOptionKind::mss:
        out.has_mss = true;
        out.mss = load_be16(option.data.data());
        break;
      case TcpOptionKind::window_scale:
        out.has_window_scale = true;
        out.window_scale = option.data[0];
        break;
      case TcpOptionKind::sack_permitted:
        out.sack_permitted = true;
        break;
      case TcpOptionKind::timestamps:
        out.has_timestamps = true;
        out.ts_value = load_be32(option.data.data());
        out.ts_echo_reply = load_be32(option.data.data() + 4);
        break;
      case TcpOptionKind::sack: {
        const std::size_t count = std::min(option.data.size() / 8, TcpOptions::max_sack_blocks);
        out.sack_block_count = static_cast<std::uint8_t>(count);
        for (std::size_t i = 0; i < count; ++i) {
          out.sack_blocks[i] = {load_be32(option.data.data() + 8 * i), load_be32(option.data.data() + 8 * i + 4)};
        }
        break;
      }
      default:
        break;  // unknown kinds are skipped by their length
    }
  }
  return out;
}

ChecksumVerdict TcpSegment::judge_checksum(Ipv4Address source, Ipv4Address destination, ChecksumPolicy policy) const {
  if (policy == ChecksumPolicy::skip) return ChecksumVerdict::unchecked;
  const std::uint64_t pseudo = ipv4_pseudo_header_sum(source, destination, static_cast<std::uint8_t>(IpProtocol::tcp),
                                                      static_cast<std::uint16_t>(bytes_.size()));
  return judge_transport_checksum(policy, pseudo, bytes_, checksum_offset);
}

std::size_t TcpHeader::emit(std::span<std::uint8_t> out) const {
  const std::size_t options_len = options.emitted_length();
  const std::size_t length = TcpSegment::min_header_len + options_len;
  if (options_len > max_options_len || out.size() < length) return 0;
  std::uint8_t* p = out.data();
  store_be16(p, source_port);
  store_be16(p + 2, destination_port);
  store_be32(p + 4, sequence);
  store_be32(p + 8, acknowledgment);
  p[12] = static_cast<std::uint8_t>((length / 4) << 4);
  p[13] = flags;
  store_be16(p + 14, window);
  store_be16(p + 16, 0);
  store_be16(p + 18, urgent_pointer);

  std::uint8_t* o = p + TcpSegment::min_header_len;
  auto put = [&o](std::uint8_t byte) { *o++ = byte; };
  if (options.has_mss) {
    put(static_cast<std::uint8_t>(TcpOptionKind::mss));
    put(4);
    store_be16(o, options.mss);
    o += 2;
  }
  if (options.has_timestamps) {
    if (options.sack_permitted) {
      put(static_cast<std::uint8_t>(TcpOptionKind::sack_permitted));
      put(2);
    } else {
      put(static_cast<std::uint8_t>(TcpOptionKind::nop));
      put(static_cast<std::uint8_t>(TcpOptionKind::nop));
    }
    put(static_cast<std::uint8_t>(TcpOptionKind::timestamps));
    put(10);
    store_be32(o, options.ts_value);
    store_be32(o + 4, options.ts_echo_reply);
    o += 8;
  } else if (options.sack_permitted) {
    put(static_cast<std::uint8_t>(TcpOptionKind::nop));
    put(static_cast<std::uint8_t>(TcpOptionKind::nop));
    put(static_cast<std::uint8_t>(TcpOptionKind::sack_permitted));
    put(2);
  }
  if (options.has_window_scale) {
    put(static_cast<std::uint8_t>(TcpOptionKind::nop));
    put(static_cast<std::uint8_t>(TcpOptionKind::window_scale));
    put(3);
    put(options.window_scale);
  }
  if (options.sack_block_count > 0) {
    put(static_cast<std::uint8_t>(TcpOptionKind::nop));
    put(static_cast<std::uint8_t>(TcpOptionKind::nop));
    put(static_cast<std::uint8_t>(TcpOptionKind::sack));
    put(static_cast<std::uint8_t>(2 + 8 * options.sack_block_count));
    for (const SackBlock& block : options.sacks()) {
      store_be32(o, block.left);
      store_be32(o + 4, block.right);
      o += 8;
    }
  }
  return length;
}

void fill_tcp_checksum(std::span<std::uint8_t> segment, Ipv4Address source, Ipv4Address destination) {
  store_be16(segment.data() + TcpSegment::checksum_offset, 0);
  const std::uint64_t pseudo = ipv4_pseudo_header_sum(source, destination, static_cast<std::uint8_t>(IpProtocol::tcp),
                                                      static_cast<std::uint16_t>(segment.size()));
  store_be16(segment.data() + TcpSegment::checksum_offset, checksum_finish(checksum_accumulate(pseudo, segment)));
}

}  // namespace sluice::wire
