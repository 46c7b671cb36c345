#pragma once
// The Sluice-stack TCP echo load client: `connections` connections, each keeping `window` messages
// of `size` bytes in flight to an echo server; RTTs by EchoLoad, replies reassembled from the stream.
// Nagle is off (a request must leave at once to measure its round trip).
#include <atomic>
#include <cstdint>
#include <vector>

#include "apps/tcp_load.hpp"
#include "runtime/event_loop.hpp"

namespace sluice::apps {

class TcpEchoClient final : public runtime::App {
 public:
  /// Sets `done` when the measurement is over and the connections are closed (or given up on).
  TcpEchoClient(socket::Endpoint target, const TcpEchoLoadOptions& options, std::atomic<bool>& done);
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void stop(runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  /// Throws sluice::Error (with the connections' errno) when none could be established.
  TcpEchoLoadResult result() const;

 private:
  struct Peer {
    int id = -1;
    bool connected = false;
    bool ended = false;  ///< failed, or its end of stream seen while closing
    std::uint32_t outstanding = 0;
    MessageAssembler reply;
  };

  void on_event(Instant now, iface::Interface& stack, const iface::TcpEvent& event);
  void receive(Instant now, iface::Interface& stack, Peer& peer);
  void send(Instant now, iface::Interface& stack, Peer& peer);
  void begin_closing(Instant now, iface::Interface& stack);

  socket::Endpoint target_;
  TcpEchoLoadOptions options_;
  EchoLoad load_;
  std::atomic<bool>& done_;
  std::vector<Peer> peers_;
  std::vector<int> peer_of_id_;       ///< connection id -> index into peers_, -1 when none
  std::vector<std::uint8_t> replies_;  ///< one message of room per peer
  std::vector<std::uint8_t> request_;
  std::uint64_t connected_ = 0;  // 64-bit: the counter table refers to them
  std::uint64_t failed_ = 0;
  std::uint64_t ended_ = 0;
  int last_error_ = 0;
  bool closing_ = false;
  Instant close_deadline_;
};

}  // namespace sluice::apps
