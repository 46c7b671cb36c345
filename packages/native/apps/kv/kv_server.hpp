#pragma once
// `sluice run kv --proto tcp`: the RESP2 key-value server on a Sluice stack instance. The protocol
// and the store live in KvProtocol and Engine; this class only carries their bytes over TCP.
//
// Memory, all reserved at start: the store (see store.hpp: --kv-max-keys slots, --kv-max-memory
// arena bytes), a 64 KiB request buffer per TCP connection slot in use (a request, pipelined or
// not, is at most 64 KiB) and one shared 64 KiB reply buffer.
#include <cstdint>

#include "apps/buffered_tcp_server.hpp"
#include "apps/kv/kv_protocol.hpp"

namespace sluice::apps {

class KvServer final : public BufferedTcpServer {
 public:
  KvServer(std::uint16_t port, const kv::StoreLimits& limits);
  void step(Instant now, runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  const kv::Engine& engine() const { return engine_; }

 protected:
  void opened(iface::Interface& stack, int id) override;
  Exchange handle(Instant now, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out) override;

 private:
  kv::Engine engine_;
  kv::KvProtocol protocol_;
};

}  // namespace sluice::apps
