#pragma once
// One connection's side of the HTTP/1.1 server: frames the pipelined requests buffered so far and
// answers each in order. Bytes in, bytes out (see apps/exchange.hpp); no socket here.
//
//   GET|HEAD /        200, a small fixed text body
//   GET|HEAD /stats   200, the instance's counters as JSON: {"group":{"name":value,...},...}
//   other paths       404;  other methods on / and /stats: 405 with Allow
//   a bad head        400 (414/431 when too long, 505 for another HTTP version), then close
//   Transfer-Encoding 501, then close (request bodies are only skipped by Content-Length)
// Keep-alive per RFC 9112 (HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive).
#include <cstdint>
#include <span>
#include <vector>

#include "apps/exchange.hpp"
#include "apps/http/request_parser.hpp"
#include "runtime/counter_table.hpp"

namespace sluice::apps::http {

constexpr std::string_view kRootBody = "Hello from Sluice\n";

/// What a connection carries from one exchange to the next.
struct ConnectionState {
  std::uint64_t body_left = 0;  ///< bytes of a request body still to skip
};

struct HttpCounters {
  std::uint64_t requests = 0;
  std::uint64_t ok = 0;            ///< 2xx
  std::uint64_t client_errors = 0; ///< 4xx
  std::uint64_t server_errors = 0; ///< 5xx
  std::uint64_t protocol_errors = 0;  ///< heads that could not be framed (the connection closed)
};

class HttpProtocol {
 public:
  explicit HttpProtocol(const HeadLimits& limits) : limits_(limits) {}

  /// The counters /stats shows. Call once the table is complete (it is read, never changed).
  void set_stats_source(const runtime::CounterTable* table);

  /// `reply_limit` is the most room the caller can ever offer: a response that would not fit even
  /// then is answered with 500 and the connection closes, rather than waiting forever.
  Exchange handle(ConnectionState& connection, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                  std::size_t reply_limit);

  const HttpCounters& counters() const { return counters_; }

 private:
  struct Response {
    int status;
    std::string_view reason;
    std::string_view content_type;
    bool stats_body;        ///< the body is the counters' JSON, else `body`
    std::string_view body;
    bool allow_header;      ///< 405: say what is allowed
  };

  Response route(const RequestHead& head) const;
  void write_stats(class TextWriter& writer) const;
  /// Writes the whole response, or returns 0 (and nothing is meant to be used) when it does not fit.
  std::size_t write_response(const Response& response, bool head_only, bool keep_alive, int minor_version,
                             std::span<std::uint8_t> out) const;
  void count(int status);

  HeadLimits limits_;
  const runtime::CounterTable* stats_ = nullptr;
  std::vector<std::size_t> stats_order_;  ///< entry indices grouped by group, in first-seen order
  HttpCounters counters_;
};

}  // namespace sluice::apps::http
