#pragma once
// The Internet checksum (RFC 1071) in two parts, so a pseudo-header and a payload can be summed
// separately and folded once.
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::wire {

/// Adds `bytes` to a running 64-bit one's-complement accumulator. `bytes` must start at an even
/// offset of the checksummed region unless it is the last piece.
std::uint64_t checksum_accumulate(std::uint64_t sum, std::span<const std::uint8_t> bytes);

/// Folds an accumulator to 16 bits and complements it: the value to store in a header.
std::uint16_t checksum_finish(std::uint64_t sum);

/// Checksum of one contiguous region.
inline std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  return checksum_finish(checksum_accumulate(0, bytes));
}

}  // namespace sluice::wire
