#pragma once
// TCP sink (discard): reads and counts everything clients send, answers nothing, and closes when
// they finish. The receiving half of throughput benchmarks.
#include "apps/tcp_server.hpp"

namespace sluice::apps {

class TcpSink final : public TcpServer {
 public:
  using TcpServer::TcpServer;

 protected:
  bool serve(Instant now, iface::Interface& stack, int id) override;
};

}  // namespace sluice::apps
