#pragma once
// Carries a RequestProtocol over Sluice TCP. Each connection buffers the bytes of a request that
// has not fully arrived yet (so requests may be split across segments, and many may share one),
// and the protocol answers what is complete.
//
// Replies go straight to the connection's send buffer: the protocol only gets as much room as the
// send buffer can take right now, so a sent reply is never cut short and no reply is queued here.
// A client that does not read its replies is slowed down by TCP's own flow control: while a reply
// waits for room, no more requests are read.
//
// Memory: one request buffer of max_request bytes per connection slot, allocated the first time a
// slot is used and reused afterwards, plus one shared reply buffer (64 KiB, or the TCP send buffer
// if that is smaller).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "apps/request_protocol.hpp"
#include "apps/tcp_server.hpp"

namespace sluice::apps {

class BufferedTcpServer final : public TcpServer {
 public:
  static constexpr std::size_t kMaxReply = 64 * 1024;

  BufferedTcpServer(std::uint16_t port, std::unique_ptr<RequestProtocol> protocol)
      : TcpServer(port), protocol_(std::move(protocol)) {}
  void start(Instant now, runtime::StackInstance& instance) override;
  void step(Instant now, runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  RequestProtocol& protocol() { return *protocol_; }

 protected:
  void opened(iface::Interface& stack, int id) override;
  bool serve(Instant now, iface::Interface& stack, int id) override;

 private:
  struct Pending {
    std::vector<std::uint8_t> bytes;  ///< capacity max_request once the slot was first used
    std::size_t size = 0;
    /// Send space when a reply last did not fit; 0 when not waiting. The stack owes a writable
    /// event only after a send that filled the buffer, and these replies never do, so step()
    /// retries once enough space has been freed.
    std::size_t waiting_at = 0;
  };

  void retry_waiting(Instant now, iface::Interface& stack);

  std::unique_ptr<RequestProtocol> protocol_;
  std::vector<Pending> pending_;       ///< by connection id
  std::vector<int> waiting_;           ///< ids with waiting_at set, each once (capacity reserved at start)
  std::vector<std::uint8_t> replies_;  ///< shared: replies are handed to TCP before serve() returns
  std::uint64_t oversized_ = 0;        ///< connections closed because the protocol could not frame a full buffer
};

}  // namespace sluice::apps
