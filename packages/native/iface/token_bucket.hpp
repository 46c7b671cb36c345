#pragma once
// A token bucket measured in nanoseconds of credit, refilled from the time passed in.
#include <algorithm>
#include <cstdint>

#include "util/time.hpp"

namespace sluice::iface {

class TokenBucket {
 public:
  /// `per_second` == 0 never grants a token.
  TokenBucket(std::uint32_t per_second, std::uint32_t burst)
      : cost_(per_second == 0 ? 0 : 1000'000'000ull / per_second),
        capacity_(cost_ * std::max<std::uint32_t>(burst, 1)),
        credit_(capacity_),
        disabled_(per_second == 0) {}

  bool try_take(Instant now) {
    if (disabled_) return false;
    const std::uint64_t elapsed = (now - last_).nanos;
    last_ = std::max(last_, now);
    credit_ = capacity_ - credit_ < elapsed ? capacity_ : credit_ + elapsed;
    if (credit_ < cost_) return false;
    credit_ -= cost_;
    return true;
  }

 private:
  std::uint64_t cost_;
  std::uint64_t capacity_;
  std::uint64_t credit_;
  Instant last_{};
  bool disabled_;
};

}  // namespace sluice::iface
