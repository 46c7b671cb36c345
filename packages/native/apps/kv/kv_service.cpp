#include "apps/kv/kv_service.hpp"

#include <random>

namespace sluice::apps {

namespace {
SipKey random_hash_key() {
  // A key nobody outside knows, so clients cannot pick keys that collide (hash flooding).
  std::random_device random;
  return {(std::uint64_t{random()} << 32) | random(), (std::uint64_t{random()} << 32) | random()};
}
}  // namespace

KvService::KvService(const kv::StoreLimits& limits)
    : engine_(limits, random_hash_key()), protocol_(engine_, {.max_request = kMaxRequest}) {}

Exchange KvService::handle(Instant now, int, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                           std::size_t reply_limit) {
  return protocol_.handle(now, input, out, reply_limit);
}

void KvService::describe_counters(runtime::CounterTable& table) const {
  const kv::EngineCounters& counters = engine_.counters();
  table.add("app", "commands", counters.commands);
  table.add("app", "error_replies", counters.error_replies);
  table.add("app", "oom", counters.oom);
  table.add("app", "hits", counters.hits);
  table.add("app", "misses", counters.misses);
  table.add("app", "protocol_errors", protocol_.protocol_errors_ref());
}

}  // namespace sluice::apps
