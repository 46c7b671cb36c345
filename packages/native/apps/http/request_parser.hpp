#pragma once
// An HTTP/1.1 request head (request line and header fields, RFC 9112) as a stateless view over the
// bytes received so far. Only what a server needs to frame and answer requests is extracted:
// method, target, version, Host, Connection, Content-Length and whether Transfer-Encoding was sent.
// The head is parsed again from the start when more bytes arrive; it is at most max_head bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::apps::http {

using Bytes = std::span<const std::uint8_t>;

enum class HeadStatus {
  complete,    ///< `length` bytes of head (up to and including the empty line)
  incomplete,  ///< wait for more bytes
  error,       ///< answer `error_status` and close: the stream cannot be framed reliably
};

struct RequestHead {
  HeadStatus status = HeadStatus::incomplete;
  std::size_t length = 0;
  std::string_view method;
  std::string_view target;
  int minor_version = 1;  ///< HTTP/1.<minor>
  bool keep_alive = true;  ///< after this request (version default, then the Connection field)
  bool has_host = false;
  bool has_transfer_encoding = false;
  std::uint64_t content_length = 0;
  int error_status = 0;  ///< 400, 414 (request line too long), 431 (head too long) or 505
};

struct HeadLimits {
  std::size_t max_head = 8 * 1024;  ///< request line and header fields together
};

RequestHead parse_request_head(Bytes bytes, const HeadLimits& limits);

}  // namespace sluice::apps::http
