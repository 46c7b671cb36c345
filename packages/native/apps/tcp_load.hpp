#pragma once
// What the TCP load clients share, on the Sluice stack and on kernel sockets alike, so both sides of
// a baseline are measured the same way: the options and results of the request/response echo load
// (messages on a stream, timed by EchoLoad) and of the bulk stream, and the stream's byte pattern.
#include <cstdint>
#include <span>

#include "apps/echo_load.hpp"

namespace sluice::apps {

struct TcpEchoLoadOptions {
  std::uint32_t connections = 1;
  /// load.window is per connection; load.loss_timeout is unused (TCP does not lose messages).
  EchoLoadOptions load;
};

struct TcpEchoLoadResult {
  EchoLoadResult load;
  std::uint32_t connections = 0;  ///< established
  std::uint32_t failed = 0;       ///< refused, reset or timed out
};

struct TcpStreamOptions {
  std::uint64_t bytes = 0;
  Duration timeout = Duration::seconds(600);  ///< the transfer fails with ETIMEDOUT after this
};

struct TcpStreamResult {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;  ///< echoed back (0 against a sink)
  /// Offset of the first echoed byte that differs from what was sent; -1 when all matched.
  std::int64_t first_mismatch = -1;
  double seconds = 0;       ///< from connected until the peer's FIN after everything was sent
  double send_seconds = 0;  ///< from connected until the last byte was handed to the socket
};

/// Echo messages are this long at least: EchoLoad's stamp.
constexpr std::uint32_t kTcpEchoMinSize = EchoLoad::kStampSize;

/// The stream's pseudo-random bytes repeat with this period: odd, so no segment or buffer size lines
/// up with it, and larger than any window the benches use, so a misplaced, duplicated or reordered
/// segment still shows in the echo check.
constexpr std::size_t kStreamPatternPeriod = (4u << 20) + 4093;
/// The stream's bytes from stream `offset` on, as much as is contiguous (up to the period's end) and
/// at most `max` bytes: a bulk sender sends straight from here instead of generating bytes per send,
/// as iperf3 sends one buffer over and over. Generated once, on first use.
std::span<const std::uint8_t> stream_pattern_at(std::uint64_t offset, std::size_t max);
/// Fills `out` with the stream's bytes starting at stream `offset`, so the echo can be checked
/// without keeping what was sent.
void fill_stream_pattern(std::uint64_t offset, std::span<std::uint8_t> out);
/// Offset of the first byte of `in` (which starts at stream `offset`) that is not the pattern, or -1.
std::int64_t find_stream_mismatch(std::uint64_t offset, std::span<const std::uint8_t> in);

/// Reassembles fixed-size echo replies from a byte stream, per connection.
class MessageAssembler {
 public:
  explicit MessageAssembler(std::uint32_t size) : size_(size) {}
  std::uint32_t size() const { return size_; }
  std::uint32_t filled() const { return filled_; }
  /// Where the next bytes go: the rest of the current message.
  std::span<std::uint8_t> room(std::span<std::uint8_t> storage) const { return storage.subspan(filled_, size_ - filled_); }
  /// Accounts `n` bytes written into room(); true when a whole message is now in the storage.
  bool add(std::size_t n) {
    filled_ += static_cast<std::uint32_t>(n);
    if (filled_ < size_) return false;
    filled_ = 0;
    return true;
  }

 private:
  std::uint32_t size_;
  std::uint32_t filled_ = 0;
};

}  // namespace sluice::apps
