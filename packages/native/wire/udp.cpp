#include "wire/udp.hpp"

#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"

namespace sluice::wire {

std::optional<UdpPacket> UdpPacket::parse(std::span<std::uint8_t> bytes) {
  if (bytes.size() < header_len) return std::nullopt;
  const std::size_t length = load_be16(bytes.data() + 4);
  if (length < header_len || length > bytes.size()) return std::nullopt;
  return UdpPacket(bytes.first(length));
}

ChecksumVerdict UdpPacket::judge_checksum(Ipv4Address source, Ipv4Address destination, ChecksumPolicy policy) const {
  if (policy == ChecksumPolicy::skip) return ChecksumVerdict::unchecked;
  if (checksum() == 0) return ChecksumVerdict::absent;
  const std::uint64_t pseudo = ipv4_pseudo_header_sum(source, destination, static_cast<std::uint8_t>(IpProtocol::udp),
                                                      length());
  return judge_transport_checksum(policy, pseudo, bytes_, checksum_offset);
}

void UdpPacket::emit_header(std::span<std::uint8_t> out, std::uint16_t source_port, std::uint16_t destination_port,
                            std::uint16_t payload_len) {
  std::uint8_t* p = out.data();
  store_be16(p, source_port);
  store_be16(p + 2, destination_port);
  store_be16(p + 4, static_cast<std::uint16_t>(header_len + payload_len));
  store_be16(p + 6, 0);
}

void UdpPacket::fill_checksum(std::span<std::uint8_t> datagram, Ipv4Address source, Ipv4Address destination) {
  store_be16(datagram.data() + checksum_offset, 0);
  const std::uint64_t pseudo = ipv4_pseudo_header_sum(source, destination, static_cast<std::uint8_t>(IpProtocol::udp),
                                                      static_cast<std::uint16_t>(datagram.size()));
  const std::uint16_t sum = checksum_finish(checksum_accumulate(pseudo, datagram));
  store_be16(datagram.data() + checksum_offset, sum == 0 ? 0xffff : sum);
}

}  // namespace sluice::wire
