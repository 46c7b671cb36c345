#pragma once
// How much to trust received transport checksums.
//
// Why `accept_partial` exists: a Linux peer whose device has checksum offload (veth, tap with
// offload on) hands frames over with CHECKSUM_PARTIAL: the UDP/TCP checksum field holds only the
// pseudo-header sum, because the "hardware" that would finish it is never run. Linux writes
// `~csum_tcpudp_magic(saddr, daddr, len, proto, 0)`, i.e. the folded, *uncomplemented* one's
// complement sum of the pseudo-header (see udp4_hwcsum / __tcp_v4_send_check). That exact value is
// what `accept_partial` accepts besides a fully correct checksum; its complement is not accepted.
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::wire {

enum class ChecksumPolicy {
  verify,          ///< drop anything whose checksum is wrong
  accept_partial,  ///< like verify, but also accept a transport checksum left partial by offload
  skip,            ///< trust everything (the device verified it, or the wire is in-memory)
};

enum class ChecksumVerdict {
  valid,     ///< the checksum is complete and correct
  partial,   ///< only the pseudo-header sum is present (accepted only under accept_partial)
  absent,    ///< UDP over IPv4 sent without a checksum (field 0), which RFC 768 allows
  unchecked, ///< policy skip: not looked at
  invalid,   ///< drop
};

constexpr bool is_acceptable(ChecksumVerdict verdict) { return verdict != ChecksumVerdict::invalid; }

/// Folds a one's-complement accumulator to 16 bits without complementing it.
std::uint16_t checksum_fold(std::uint64_t sum);

/// Judges a UDP/TCP segment whose checksum field is at `checksum_offset` in `segment`, given the
/// accumulated pseudo-header sum. Does not handle UDP's "0 = no checksum"; the UDP view does.
ChecksumVerdict judge_transport_checksum(ChecksumPolicy policy, std::uint64_t pseudo_header_sum,
                                         std::span<const std::uint8_t> segment, std::size_t checksum_offset);

}  // namespace sluice::wire
