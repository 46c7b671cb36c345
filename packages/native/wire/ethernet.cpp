#include "wire/ethernet.hpp"

#include <algorithm>
#include <cstdio>

namespace sluice::wire {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t at = i * 3;
    if (i < 5 && text[at + 2] != ':') return std::nullopt;
    const int hi = hex_value(text[at]);
    const int lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    mac.octets[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::string MacAddress::to_string() const {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2], octets[3],
                octets[4], octets[5]);
  return text;
}

MacAddress EthernetFrame::mac_at(std::size_t offset) const {
  MacAddress mac;
  std::copy_n(bytes_.data() + offset, 6, mac.octets.begin());
  return mac;
}

void EthernetFrame::emit(std::span<std::uint8_t> out, const MacAddress& dst, const MacAddress& src, EtherType type) {
  std::copy(dst.octets.begin(), dst.octets.end(), out.data());
  std::copy(src.octets.begin(), src.octets.end(), out.data() + 6);
  store_be16(out.data() + 12, static_cast<std::uint16_t>(type));
}

}  // namespace sluice::wire
