#pragma once
// The Sluice-stack echo load client: keeps `window` requests in flight to an echo server and measures
// round trips (see EchoLoad).
#include <atomic>
#include <cstdint>
#include <vector>

#include "apps/echo_load.hpp"
#include "runtime/event_loop.hpp"

namespace sluice::apps {

class UdpEchoClient final : public runtime::App {
 public:
  /// Sets `done` when the measurement is over, which stops the event loop.
  UdpEchoClient(socket::Endpoint target, const EchoLoadOptions& options, std::atomic<bool>& done);
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void stop(runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  EchoLoadResult result() const;

 private:
  socket::Endpoint target_;
  EchoLoad load_;
  std::atomic<bool>& done_;
  std::vector<std::uint8_t> request_;
  int socket_ = -1;
  std::uint64_t send_errors_ = 0;
};

}  // namespace sluice::apps
