#include "wire/checksum_policy.hpp"

#include "wire/bytes.hpp"
#include "wire/checksum.hpp"

namespace sluice::wire {

std::uint16_t checksum_fold(std::uint64_t sum) { return static_cast<std::uint16_t>(~checksum_finish(sum)); }

ChecksumVerdict judge_transport_checksum(ChecksumPolicy policy, std::uint64_t pseudo_header_sum,
                                         std::span<const std::uint8_t> segment, std::size_t checksum_offset) {
  if (policy == ChecksumPolicy::skip) return ChecksumVerdict::unchecked;
  if (checksum_finish(checksum_accumulate(pseudo_header_sum, segment)) == 0) return ChecksumVerdict::valid;
  if (policy == ChecksumPolicy::accept_partial && checksum_offset + 2 <= segment.size() &&
      load_be16(segment.data() + checksum_offset) == checksum_fold(pseudo_header_sum)) {
    return ChecksumVerdict::partial;
  }
  return ChecksumVerdict::invalid;
}

}  // namespace sluice::wire
