#pragma once
// `sluice run http --proto tcp`: the HTTP/1.1 server on a Sluice stack instance. HttpProtocol does
// the HTTP; this class carries its bytes over TCP and points /stats at the instance's counters.
//
// Memory, reserved at start: an 8 KiB request-head buffer per TCP connection slot in use (a longer
// head is answered 431) and one shared 64 KiB response buffer.
#include <cstdint>
#include <vector>

#include "apps/buffered_tcp_server.hpp"
#include "apps/http/http_protocol.hpp"

namespace sluice::apps {

class HttpServer final : public BufferedTcpServer {
 public:
  /// `stats` is the instance's counter table (complete by start()); /stats shows `{}` without one.
  HttpServer(std::uint16_t port, const runtime::CounterTable* stats);
  void start(Instant now, runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  const http::HttpCounters& http_counters() const { return protocol_.counters(); }

 protected:
  void opened(iface::Interface& stack, int id) override;
  Exchange handle(Instant now, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out) override;

 private:
  const runtime::CounterTable* stats_;
  http::HttpProtocol protocol_;
  std::vector<http::ConnectionState> connections_;  ///< by connection id
};

}  // namespace sluice::apps
