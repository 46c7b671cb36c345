#include "wire/icmp.hpp"

#include <cstring>

#include "wire/checksum.hpp"

namespace sluice::wire {

std::optional<IcmpPacket> IcmpPacket::parse(std::span<std::uint8_t> bytes) {
  if (bytes.size() < header_len) return std::nullopt;
  return IcmpPacket(bytes);
}

bool IcmpPacket::checksum_valid() const { return internet_checksum(bytes_) == 0; }

bool IcmpPacket::is_error_type(std::uint8_t type) {
  switch (static_cast<IcmpType>(type)) {
    case IcmpType::destination_unreachable:
    case IcmpType::source_quench:
    case IcmpType::redirect:
    case IcmpType::time_exceeded:
    case IcmpType::parameter_problem:
      return true;
    default:
      return false;
  }
}

void IcmpPacket::emit(std::span<std::uint8_t> message, IcmpType type, std::uint8_t code, std::uint32_t rest_of_header) {
  std::uint8_t* p = message.data();
  p[0] = static_cast<std::uint8_t>(type);
  p[1] = code;
  store_be16(p + 2, 0);
  store_be32(p + 4, rest_of_header);
  store_be16(p + 2, internet_checksum(message));
}

std::size_t IcmpPacket::emit_destination_unreachable(std::span<std::uint8_t> out, UnreachableCode code,
                                                     std::span<const std::uint8_t> quoted) {
  const std::size_t len = header_len + quoted.size();
  std::memmove(out.data() + header_len, quoted.data(), quoted.size());
  emit(out.first(len), IcmpType::destination_unreachable, static_cast<std::uint8_t>(code), 0);
  return len;
}

}  // namespace sluice::wire
