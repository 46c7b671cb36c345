#pragma once
// Runs one parsed command against the store and writes its RESP2 reply: the command table, argument
// checks with Redis's error texts, and the reply sizes. No sockets, no clock: time is passed in.
//
// Room for the reply: a command runs only when its whole reply fits in `out`. Replies of known
// small size (status, integer, error) need kSmallReply bytes; replies carrying stored data (GET,
// MGET, ECHO, INFO, ...) are measured first. When the reply does not fit, nothing runs and the
// outcome says how many bytes are needed, so the caller can send what it has and come back.
#include <cstdint>
#include <span>

#include "apps/kv/resp_parser.hpp"
#include "apps/kv/store.hpp"

namespace sluice::apps::kv {

constexpr std::size_t kSmallReply = 256;

struct Outcome {
  std::size_t written = 0;
  std::size_t needed = 0;  ///< > 0: the reply needs this many bytes and the command did not run
  bool quit = false;       ///< QUIT: close after this reply
};

struct EngineCounters {
  std::uint64_t commands = 0;
  std::uint64_t error_replies = 0;  ///< -ERR / -OOM replies to well-framed commands
  std::uint64_t oom = 0;            ///< writes refused for lack of keys or memory
  std::uint64_t hits = 0;           ///< lookups that found a key
  std::uint64_t misses = 0;
};

class Engine {
 public:
  Engine(const StoreLimits& limits, SipKey hash_key) : store_(limits, hash_key) {}

  /// Runs `args` (args[0] is the command name, any case). `args` must not be empty.
  Outcome execute(std::span<const Bytes> args, Instant now, std::span<std::uint8_t> out);
  /// Reclaims a few expired keys; call once per loop iteration.
  void expire_some(Instant now) { store_.expire_some(now, 32); }

  const EngineCounters& counters() const { return counters_; }
  EngineCounters& counters() { return counters_; }
  Store& store() { return store_; }
  const Store& store() const { return store_; }

 private:
  Store store_;
  EngineCounters counters_;
};

}  // namespace sluice::apps::kv
