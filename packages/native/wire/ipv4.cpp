#include "wire/ipv4.hpp"

#include "wire/checksum.hpp"

namespace sluice::wire {

std::optional<Ipv4Packet> Ipv4Packet::parse(std::span<std::uint8_t> bytes, Ipv4ParseError* error) {
  auto fail = [error](Ipv4ParseError reason) -> std::optional<Ipv4Packet> {
    if (error != nullptr) *error = reason;
    return std::nullopt;
  };
  if (bytes.size() < min_header_len) return fail(Ipv4ParseError::truncated);
  if ((bytes[0] >> 4) != 4) return fail(Ipv4ParseError::bad_version);
  const std::size_t header_len = std::size_t{bytes[0] & 0x0fu} * 4;
  if (header_len < min_header_len) return fail(Ipv4ParseError::bad_header_length);
  if (bytes.size() < header_len) return fail(Ipv4ParseError::truncated);
  const std::size_t total_length = load_be16(bytes.data() + 2);
  if (total_length < header_len || total_length > bytes.size()) return fail(Ipv4ParseError::bad_total_length);
  if (error != nullptr) *error = Ipv4ParseError::none;
  return Ipv4Packet(bytes.first(total_length));
}

bool Ipv4Packet::header_checksum_valid() const { return internet_checksum(header()) == 0; }

void Ipv4Header::emit(std::span<std::uint8_t> out) const {
  std::uint8_t* p = out.data();
  p[0] = 0x45;
  p[1] = dscp_ecn;
  store_be16(p + 2, static_cast<std::uint16_t>(Ipv4Packet::min_header_len + payload_length));
  store_be16(p + 4, identification);
  const std::uint16_t flags = static_cast<std::uint16_t>((dont_fragment ? 0x4000 : 0) | (more_fragments ? 0x2000 : 0));
  store_be16(p + 6, static_cast<std::uint16_t>(flags | ((fragment_offset / 8) & 0x1fff)));
  p[8] = ttl;
  p[9] = protocol;
  store_be16(p + 10, 0);
  source.store(p + 12);
  destination.store(p + 16);
  store_be16(p + 10, internet_checksum(out.first(Ipv4Packet::min_header_len)));
}

void fill_ipv4_header_checksum(std::span<std::uint8_t> header) {
  const std::size_t header_len = std::size_t{header[0] & 0x0fu} * 4;
  store_be16(header.data() + 10, 0);
  store_be16(header.data() + 10, internet_checksum(header.first(header_len)));
}

std::uint64_t ipv4_pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::uint8_t protocol,
                                     std::uint16_t transport_length) {
  return std::uint64_t{source.value >> 16} + (source.value & 0xffff) + (destination.value >> 16) +
         (destination.value & 0xffff) + protocol + transport_length;
}

}  // namespace sluice::wire
