#pragma once
// A TcpServer for request/response protocols: each connection buffers the bytes of a request that
// has not fully arrived yet (so requests may be split across segments, and many may share one),
// and hands them to handle() together with room for the replies.
//
// Replies go straight to the connection's send buffer: handle() only gets as much room as the send
// buffer can take right now, so a sent reply is never cut short and no reply is queued here. A
// client that does not read its replies is slowed down by TCP's own flow control: while a reply
// waits for room, no more requests are read.
//
// Memory: one request buffer of max_request bytes per connection slot, allocated the first time a
// slot is used and reused afterwards, plus one shared reply buffer of max_reply bytes.
#include <cstdint>
#include <span>
#include <vector>

#include "apps/exchange.hpp"
#include "apps/tcp_server.hpp"

namespace sluice::apps {

struct BufferedServerLimits {
  std::size_t max_request = 64 * 1024;  ///< longest request (or request header) a connection may buffer
  std::size_t max_reply = 64 * 1024;    ///< longest single reply; capped by the TCP send buffer size
};

class BufferedTcpServer : public TcpServer {
 public:
  BufferedTcpServer(std::uint16_t port, BufferedServerLimits limits) : TcpServer(port), limits_(limits) {}
  void start(Instant now, runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;

 protected:
  /// Answers the complete requests at the front of `input` into `out`. `out` is never larger than
  /// reply_limit(); a protocol whose reply would exceed that must answer with an error instead.
  virtual Exchange handle(Instant now, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out) = 0;
  /// Per-connection protocol state starts here (call the base too).
  void opened(iface::Interface& stack, int id) override;
  std::size_t reply_limit() const { return replies_.size(); }
  const BufferedServerLimits& limits() const { return limits_; }

 private:
  bool serve(Instant now, iface::Interface& stack, int id) final;

  struct Pending {
    std::vector<std::uint8_t> bytes;  ///< capacity max_request once the slot was first used
    std::size_t size = 0;
  };

  BufferedServerLimits limits_;
  std::vector<Pending> pending_;       ///< by connection id
  std::vector<std::uint8_t> replies_;  ///< shared: replies are handed to TCP before serve() returns
  std::uint64_t oversized_ = 0;        ///< connections closed because the protocol could not frame a full buffer
};

}  // namespace sluice::apps
