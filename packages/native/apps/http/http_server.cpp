#include "apps/http/http_server.hpp"

namespace sluice::apps {

namespace {
constexpr std::size_t kMaxHead = 8 * 1024;
}

HttpServer::HttpServer(std::uint16_t port, const runtime::CounterTable* stats)
    // The request buffer holds one head at most: a head that fills it is answered 431 by the parser.
    : BufferedTcpServer(port, {.max_request = kMaxHead, .max_reply = 64 * 1024}), stats_(stats),
      protocol_({.max_head = kMaxHead}) {}

void HttpServer::start(Instant now, runtime::StackInstance& instance) {
  BufferedTcpServer::start(now, instance);
  connections_.assign(instance.interface().config().tcp_connections, http::ConnectionState{});
  protocol_.set_stats_source(stats_);
}

void HttpServer::opened(iface::Interface& stack, int id) {
  BufferedTcpServer::opened(stack, id);
  connections_[static_cast<std::size_t>(id)] = {};
  stack.tcp_set_nodelay(id, true);  // a response goes out whole at once; Nagle would only delay it
}

Exchange HttpServer::handle(Instant, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out) {
  return protocol_.handle(connections_[static_cast<std::size_t>(id)], input, out, reply_limit());
}

void HttpServer::describe_counters(runtime::CounterTable& table) const {
  BufferedTcpServer::describe_counters(table);
  const http::HttpCounters& counters = protocol_.counters();
  table.add("app", "requests", counters.requests);
  table.add("app", "responses_2xx", counters.ok);
  table.add("app", "responses_4xx", counters.client_errors);
  table.add("app", "responses_5xx", counters.server_errors);
  table.add("app", "protocol_errors", counters.protocol_errors);
}

}  // namespace sluice::apps
