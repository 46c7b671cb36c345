#pragma once
// Helpers for the kv tests: strings as byte spans, and a protocol driven the way a connection
// drives it (bytes appended as they arrive, consumed bytes dropped from the front).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "apps/kv/kv_protocol.hpp"

namespace sluice::testing {

inline std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// One client connection to a KvProtocol: feed() what arrived, read what came back.
class KvConnection {
 public:
  explicit KvConnection(apps::kv::Engine& engine, std::size_t reply_room = 64 * 1024)
      : protocol_(engine, {}), out_(reply_room) {}

  /// Appends `data` and runs every complete request; returns the replies produced.
  std::string feed(std::string_view data, Instant now = {}) {
    pending_.append(data);
    std::string replies;
    for (;;) {
      const apps::Exchange exchange = protocol_.handle(now, bytes(pending_), out_, out_.size());
      replies.append(reinterpret_cast<const char*>(out_.data()), exchange.written);
      pending_.erase(0, exchange.consumed);
      last_wait_ = exchange.next;
      if (exchange.next != apps::Wait::output || exchange.written == 0) break;
    }
    return replies;
  }

  apps::Wait last_wait() const { return last_wait_; }
  const std::string& pending() const { return pending_; }
  const apps::kv::KvProtocol& protocol() const { return protocol_; }

 private:
  apps::kv::KvProtocol protocol_;
  std::vector<std::uint8_t> out_;
  std::string pending_;
  apps::Wait last_wait_ = apps::Wait::input;
};

/// A RESP2 array of bulk strings, as redis-cli sends it.
inline std::string resp(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

}  // namespace sluice::testing
