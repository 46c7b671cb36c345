// Feeds arbitrary bytes to the HTTP server protocol in pieces, as a connection does (see
// feed_protocol.hpp for the checks), and checks that a full head is never held without answering.
// Input layout: byte 0 piece size (1 + b % 64), byte 1 reply room (64 + b * 8), then the stream.
#include <cstdint>
#include <vector>

#include "apps/http/http_protocol.hpp"
#include "feed_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  using namespace sluice::apps;
  constexpr const char* kTarget = "fuzz_http_request";
  const auto input = fuzz::split_input(data, size, 64, 8);
  if (!input) return 0;

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
  fuzz::feed_in_pieces(
      kTarget, *input,
      [&](const std::vector<std::uint8_t>& pending, std::vector<std::uint8_t>& out) {
        return protocol.handle(connection, pending, out, out.size());
      },
      [&](const std::vector<std::uint8_t>& pending) {
        if (pending.size() >= 512 && connection.body_left == 0) {
          fuzz::fail(kTarget, "holds a full head without answering", pending.size());
        }
      });
  return 0;
}
