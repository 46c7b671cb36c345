#include "wire/ipv4_address.hpp"

#include <charconv>

namespace sluice::wire {

namespace {
// One decimal number of 1..3 digits without a leading zero (other than "0" itself), at most `max`.
bool parse_decimal(std::string_view text, std::uint32_t max, std::uint32_t& out) {
  if (text.empty() || text.size() > 3) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > max) return false;
  out = value;
  return true;
}
}  // namespace

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = text.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    std::uint32_t octet = 0;
    if (!parse_decimal(text.substr(0, dot), 255, octet)) return std::nullopt;
    value = (value << 8) | octet;
    text = last ? std::string_view{} : text.substr(dot + 1);
  }
  return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!text.empty()) text += '.';
    text += std::to_string((value >> shift) & 0xff);
  }
  return text;
}

std::optional<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = Ipv4Address::parse(text.substr(0, slash));
  std::uint32_t prefix = 0;
  if (!address || !parse_decimal(text.substr(slash + 1), 32, prefix)) return std::nullopt;
  return Ipv4Cidr{*address, static_cast<std::uint8_t>(prefix)};
}

std::string Ipv4Cidr::to_string() const { return address.to_string() + "/" + std::to_string(prefix_length); }

}  // namespace sluice::wire
