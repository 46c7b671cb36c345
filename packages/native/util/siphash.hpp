#pragma once
// SipHash-2-4 (Aumasson and Bernstein): a keyed hash, so values derived from it (initial sequence
// numbers, hash-table slots) cannot be predicted or steered by someone who does not hold the key.
#include <cstdint>
#include <span>

namespace sluice {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> bytes);

/// Derives a key from a seed and a purpose, so one configured seed gives independent keys.
SipKey derive_sip_key(std::uint64_t seed, std::uint64_t purpose);

}  // namespace sluice
