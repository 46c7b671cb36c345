#pragma once
// The common part of the TCP reference apps: a listener, accepting every connection, and routing
// each socket's events to serve() until the connection ends. Apps say what serving means.
#include <cstdint>
#include <vector>

#include "runtime/event_loop.hpp"

namespace sluice::apps {

struct TcpServerCounters {
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;         ///< connections the peer finished and we closed
  std::uint64_t reset = 0;          ///< connections that ended with a reset or a timeout
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
};

class TcpServer : public runtime::App {
 public:
  explicit TcpServer(std::uint16_t port, std::uint32_t backlog = 128) : port_(port), backlog_(backlog) {}
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void stop(runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  const TcpServerCounters& counters() const { return counters_; }

 protected:
  /// Called when connection `id` may have bytes to read or room to send. Returns false once the
  /// connection is finished (end of stream or error); the server then closes it.
  virtual bool serve(Instant now, iface::Interface& stack, int id) = 0;
  /// Called once per accepted connection before its first serve(): per-connection state starts here.
  virtual void opened(iface::Interface&, int) {}

  /// Closes connection `id` (once) and counts how it ended; for subclasses that serve outside events.
  void finish(Instant now, iface::Interface& stack, int id, bool failed);

  TcpServerCounters counters_;
  std::vector<std::uint8_t> buffer_;  ///< one scratch buffer, sized at start()

 private:

  std::uint16_t port_;
  std::uint32_t backlog_;
  int listener_ = -1;
  std::vector<bool> open_;  ///< by connection id
};

}  // namespace sluice::apps
