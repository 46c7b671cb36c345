#include "apps/http/http_service.hpp"

namespace sluice::apps {

void HttpService::prepare(std::size_t connections) {
  connections_.assign(connections, http::ConnectionState{});
  protocol_.set_stats_source(stats_);
}

Exchange HttpService::handle(Instant, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                             std::size_t reply_limit) {
  return protocol_.handle(connections_[static_cast<std::size_t>(id)], input, out, reply_limit);
}

void HttpService::describe_counters(runtime::CounterTable& table) const {
  const http::HttpCounters& counters = protocol_.counters();
  table.add("app", "requests", counters.requests);
  table.add("app", "responses_2xx", counters.ok);
  table.add("app", "responses_4xx", counters.client_errors);
  table.add("app", "responses_5xx", counters.server_errors);
  table.add("app", "protocol_errors", counters.protocol_errors);
}

}  // namespace sluice::apps
