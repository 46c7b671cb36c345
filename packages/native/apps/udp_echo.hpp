#pragma once
// UDP echo: every datagram goes back to its sender from the frame it arrived in (no copy).
#include <cstdint>

#include "runtime/event_loop.hpp"

namespace sluice::apps {

struct EchoCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t reply_errors = 0;
};

class UdpEcho final : public runtime::App {
 public:
  explicit UdpEcho(std::uint16_t port) : port_(port) {}
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void stop(runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  const EchoCounters& counters() const { return counters_; }

 private:
  std::uint16_t port_;
  int socket_ = -1;
  EchoCounters counters_;
};

}  // namespace sluice::apps
