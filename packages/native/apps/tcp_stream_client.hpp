#pragma once
// The Sluice-stack bulk TCP client: one connection sends `bytes` of a pseudo-random pattern as fast
// as the stack allows, half-closes, and reads until the server's FIN, checking any echoed bytes
// against the pattern (an echo server sends everything back; a sink sends nothing).
#include <atomic>
#include <cstdint>
#include <vector>

#include "apps/tcp_load.hpp"
#include "runtime/event_loop.hpp"

namespace sluice::apps {

class TcpStreamClient final : public runtime::App {
 public:
  /// Sets `done` when the server's FIN arrived, or the connection failed or timed out.
  TcpStreamClient(socket::Endpoint target, const TcpStreamOptions& options, std::atomic<bool>& done);
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void stop(runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  /// Throws sluice::Error when the transfer did not complete (with the connection's errno).
  TcpStreamResult result() const;

 private:
  void send(Instant now, iface::Interface& stack);
  void receive(Instant now, iface::Interface& stack);
  void finish(Instant now, int error);

  socket::Endpoint target_;
  TcpStreamOptions options_;
  std::atomic<bool>& done_;
  std::vector<std::uint8_t> incoming_;
  int id_ = -1;
  bool connected_ = false;
  bool shut_down_ = false;
  bool finished_ = false;
  int error_ = 0;
  Instant started_;
  Instant connected_at_;
  Instant sent_at_;
  Instant finished_at_;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::int64_t first_mismatch_ = -1;
};

}  // namespace sluice::apps
