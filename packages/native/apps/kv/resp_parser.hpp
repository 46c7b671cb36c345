#pragma once
// RESP2 requests as a stateless view over the bytes received so far: either a multibulk array of
// bulk strings (what redis-cli and client libraries send) or an inline command (a line of words,
// what a person types into nc). Parsing starts again from the first byte each time more bytes
// arrive; a request is at most max_request bytes, so that rescan is bounded.
//
// The arguments are views into the given bytes (no copy); they stay valid as long as those bytes.
// A framing error cannot be recovered from (where the next request starts is unknown), so the
// caller answers it and closes the connection.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::apps::kv {

using Bytes = std::span<const std::uint8_t>;

enum class ParseStatus {
  complete,    ///< a whole request: `length` bytes, `argc` arguments (0 for an empty line or `*0`)
  incomplete,  ///< a prefix of a valid request: wait for more bytes
  error,       ///< not RESP2: `error` says why, in Redis's words
};

struct ParsedRequest {
  ParseStatus status = ParseStatus::incomplete;
  std::size_t length = 0;
  std::size_t argc = 0;
  std::string_view error;  ///< static text for the error reply ("ERR Protocol error: ..."), no "-"
};

struct ParserLimits {
  std::size_t max_request = 64 * 1024;  ///< bytes, framing included
};

/// Parses the request at the front of `bytes` into `args` (whose size bounds the argument count).
ParsedRequest parse_request(Bytes bytes, std::span<Bytes> args, const ParserLimits& limits);

}  // namespace sluice::apps::kv
