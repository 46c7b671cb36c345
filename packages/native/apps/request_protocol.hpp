#pragma once
// A request/response protocol as the servers that carry it see it (BufferedTcpServer on the Sluice
// stack, the kernel-socket server for the baseline): connections are small integer ids, bytes come
// in, replies go out into a given buffer (see exchange.hpp). Implementations hold no sockets.
#include <cstdint>
#include <span>

#include "apps/exchange.hpp"
#include "runtime/counter_table.hpp"
#include "util/time.hpp"

namespace sluice::apps {

class RequestProtocol {
 public:
  virtual ~RequestProtocol() = default;
  /// Called once before serving: connection ids will be 0..connections-1.
  virtual void prepare(std::size_t connections) = 0;
  /// A new connection got `id`: its per-connection state starts here.
  virtual void opened(int id) = 0;
  /// Answers the complete requests at the front of `input` into `out`. `reply_limit` is the most
  /// room the carrier can ever offer: a reply larger than that must be answered with an error.
  virtual Exchange handle(Instant now, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                          std::size_t reply_limit) = 0;
  /// Once per loop iteration, for time-driven work (expiry).
  virtual void tick(Instant) {}
  /// Adds the protocol's counters (group "app").
  virtual void describe_counters(runtime::CounterTable& table) const = 0;
  /// The longest request the carrier must be able to buffer per connection.
  virtual std::size_t max_request() const = 0;
};

}  // namespace sluice::apps
