#include "socket/tcp/isn.hpp"

namespace sluice::socket::tcp {

namespace {
constexpr std::uint64_t isn_purpose = 0x69736e;        // "isn"
constexpr std::uint64_t timestamp_purpose = 0x747376;  // "tsv"
}  // namespace

IsnGenerator::IsnGenerator(std::uint64_t seed)
    : isn_key_(derive_sip_key(seed, isn_purpose)), timestamp_key_(derive_sip_key(seed, timestamp_purpose)) {}

std::uint32_t IsnGenerator::initial_sequence(Instant now, const FourTuple& tuple) const {
  const auto bytes = tuple.bytes();
  const auto clock = static_cast<std::uint32_t>(now.nanos / 4000);  // M: 4 microsecond ticks
  return clock + static_cast<std::uint32_t>(siphash24(isn_key_, bytes));
}

std::uint32_t IsnGenerator::timestamp_offset(const FourTuple& tuple) const {
  const auto bytes = tuple.bytes();
  return static_cast<std::uint32_t>(siphash24(timestamp_key_, bytes));
}

}  // namespace sluice::socket::tcp
