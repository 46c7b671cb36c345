#include "socket/tcp/syn_cookie.hpp"

#include <array>
#include <cstring>
#include <tuple>

namespace sluice::socket::tcp {

namespace {
constexpr std::uint64_t cookie_purpose = 0x636f6f6b6965;  // "cookie"
// The MSS values peers commonly announce (Linux uses a similar table): 536 is the IPv4 default,
// 1460 Ethernet, 1440/1452 tunnels and PPPoE, 8960 jumbo frames.
constexpr std::array<std::uint16_t, 8> mss_table{536, 1220, 1300, 1360, 1440, 1452, 1460, 8960};

std::uint32_t tick_of(Instant now) { return static_cast<std::uint32_t>(now.nanos / SynCookies::tick.nanos); }

std::uint32_t mss_index(std::uint16_t peer_mss) {
  std::uint32_t index = 0;
  while (index + 1 < mss_table.size() && mss_table[index + 1] <= peer_mss) ++index;
  return index;
}
}  // namespace

SynCookies::SynCookies(std::uint64_t secret) : key_(derive_sip_key(secret, cookie_purpose)) {}

std::uint16_t SynCookies::encodable_mss(std::uint16_t peer_mss) { return mss_table[mss_index(peer_mss)]; }

std::uint32_t SynCookies::signature(const FourTuple& tuple, std::uint32_t peer_isn, std::uint32_t t,
                                    std::uint32_t m) const {
  const auto tuple_bytes = tuple.bytes();
  constexpr std::size_t tuple_size = std::tuple_size_v<decltype(tuple_bytes)>;
  std::array<std::uint8_t, tuple_size + 12> input{};
  std::memcpy(input.data(), tuple_bytes.data(), tuple_size);
  std::memcpy(input.data() + tuple_size, &peer_isn, 4);
  std::memcpy(input.data() + tuple_size + 4, &t, 4);
  std::memcpy(input.data() + tuple_size + 8, &m, 4);
  return static_cast<std::uint32_t>(siphash24(key_, input)) & 0xffffffu;
}

std::uint32_t SynCookies::make(Instant now, const FourTuple& tuple, std::uint32_t peer_isn,
                               std::uint16_t peer_mss) const {
  const std::uint32_t t = tick_of(now) & 31u;
  const std::uint32_t m = mss_index(peer_mss);
  return (t << 27) | (m << 24) | signature(tuple, peer_isn, t, m);
}

std::optional<std::uint16_t> SynCookies::check(Instant now, const FourTuple& tuple, std::uint32_t peer_isn,
                                               std::uint32_t cookie) const {
  const std::uint32_t t = cookie >> 27;
  const std::uint32_t m = (cookie >> 24) & 7u;
  const std::uint32_t age = (tick_of(now) - t) & 31u;  // ticks since the cookie was made, mod 32
  if (age > 1) return std::nullopt;
  if (signature(tuple, peer_isn, t, m) != (cookie & 0xffffffu)) return std::nullopt;
  return mss_table[m];
}

}  // namespace sluice::socket::tcp
