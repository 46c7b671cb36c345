#include "apps/kv/kv_server.hpp"

#include <random>

namespace sluice::apps {

namespace {
SipKey random_hash_key() {
  // A key nobody outside knows, so clients cannot pick keys that collide (hash flooding).
  std::random_device random;
  return {(std::uint64_t{random()} << 32) | random(), (std::uint64_t{random()} << 32) | random()};
}
}  // namespace

KvServer::KvServer(std::uint16_t port, const kv::StoreLimits& limits)
    : BufferedTcpServer(port, {}), engine_(limits, random_hash_key()),
      protocol_(engine_, {.max_request = BufferedServerLimits{}.max_request}) {}

void KvServer::step(Instant now, runtime::StackInstance& instance) {
  BufferedTcpServer::step(now, instance);
  engine_.expire_some(now);
}

void KvServer::opened(iface::Interface& stack, int id) {
  BufferedTcpServer::opened(stack, id);
  // Like Redis: a reply goes out at once, not after the previous one's ACK.
  stack.tcp_set_nodelay(id, true);
}

Exchange KvServer::handle(Instant now, int, std::span<const std::uint8_t> input, std::span<std::uint8_t> out) {
  return protocol_.handle(now, input, out, reply_limit());
}

void KvServer::describe_counters(runtime::CounterTable& table) const {
  BufferedTcpServer::describe_counters(table);
  const kv::EngineCounters& counters = engine_.counters();
  table.add("app", "commands", counters.commands);
  table.add("app", "error_replies", counters.error_replies);
  table.add("app", "oom", counters.oom);
  table.add("app", "hits", counters.hits);
  table.add("app", "misses", counters.misses);
  table.add("app", "protocol_errors", protocol_.protocol_errors_ref());
}

}  // namespace sluice::apps
