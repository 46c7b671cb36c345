#pragma once
// A server for sockperf's UDP clients (ping-pong, under-load, throughput). sockperf's message header
// is 14 bytes: sequence number (8), flags (2), message length (4), all big-endian. The server
// answers only client messages that ask for a pong and are not warm-up, with the client flag cleared.
#include <cstdint>
#include <span>

#include "runtime/event_loop.hpp"

namespace sluice::apps {

namespace sockperf {
constexpr std::size_t kHeaderSize = 14;
constexpr std::uint16_t kFlagClient = 1;
constexpr std::uint16_t kFlagPongRequest = 2;
constexpr std::uint16_t kFlagWarmup = 4;

enum class Verdict { reply, no_reply, invalid };

/// Decides what to do with one message and, for `reply`, rewrites its flags in place.
Verdict answer_in_place(std::span<std::uint8_t> message);
/// The same decision from the header alone (the TCP server streams bodies through): checks the
/// flags only, the caller checks the length field against its own framing.
Verdict answer_header_in_place(std::span<std::uint8_t, kHeaderSize> header);
}  // namespace sockperf

struct SockperfCounters {
  std::uint64_t messages = 0;
  std::uint64_t replies = 0;
  std::uint64_t warmups_or_no_pong = 0;
  std::uint64_t invalid = 0;
  std::uint64_t reply_errors = 0;
};

class SockperfUdpServer final : public runtime::App {
 public:
  explicit SockperfUdpServer(std::uint16_t port) : port_(port) {}
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void stop(runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  const SockperfCounters& counters() const { return counters_; }

 private:
  std::uint16_t port_;
  int socket_ = -1;
  SockperfCounters counters_;
};

}  // namespace sluice::apps
