// Feeds arbitrary bytes to the HTTP server protocol in pieces, as a connection does, and checks
// that nothing is consumed or written beyond what was given and that a wait for room is never
// reported when the room is the most there will ever be.
// Input layout: byte 0 piece size (1 + b % 64), byte 1 reply room (64 + b * 8), then the stream.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "apps/http/http_protocol.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::size_t detail) {
  std::fprintf(stderr, "fuzz_http_request: %s (%zu)\n", what, detail);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  using namespace sluice::apps;
  if (size < 2) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::size_t room = 64 + std::size_t{data[1]} * 8;
  const std::span<const std::uint8_t> stream(data + 2, size - 2);

  static std::uint64_t counter = 42;
  static runtime::CounterTable table = [] {
    runtime::CounterTable t;
    t.add("device", "rx_packets", counter);
    t.add("app", "na\"me\n", counter);  // names are escaped in the JSON
    return t;
  }();
  http::HttpProtocol protocol({.max_head = 512});
  protocol.set_stats_source(&table);
  http::ConnectionState connection;
  std::vector<std::uint8_t> pending;
  std::vector<std::uint8_t> out(room);
  for (std::size_t pos = 0; pos < stream.size(); pos += piece) {
    const auto chunk = stream.subspan(pos, std::min(piece, stream.size() - pos));
    pending.insert(pending.end(), chunk.begin(), chunk.end());
    for (;;) {
      const Exchange exchange = protocol.handle(connection, pending, out, out.size());
      if (exchange.consumed > pending.size()) fail("consumed more than given", exchange.consumed);
      if (exchange.written > out.size()) fail("wrote more than room", exchange.written);
      pending.erase(pending.begin(), pending.begin() + static_cast<long>(exchange.consumed));
      if (exchange.next == Wait::close) return 0;
      if (exchange.next == Wait::input) break;
      if (exchange.written == 0 && exchange.consumed == 0) fail("waits for room it already has", out.size());
    }
    if (pending.size() >= 512 && connection.body_left == 0) fail("holds a full head without answering", pending.size());
  }
  return 0;
}
