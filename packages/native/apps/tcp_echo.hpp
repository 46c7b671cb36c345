#pragma once
// TCP echo: every byte a client sends comes back on the same connection. Reads only as much as the
// send buffer can take, so a client that does not read its echo is slowed down by TCP's own flow
// control instead of by buffering here.
#include "apps/tcp_server.hpp"

namespace sluice::apps {

class TcpEcho final : public TcpServer {
 public:
  using TcpServer::TcpServer;

 protected:
  bool serve(Instant now, iface::Interface& stack, int id) override;
};

}  // namespace sluice::apps
