#pragma once
// The contract between a request/response protocol (kv, http) and whatever carries its bytes: the
// protocol sees the bytes buffered so far and a buffer for replies, and says what it did and what
// it waits for. It never touches a socket, so the same protocol code runs on the Sluice stack, on
// kernel sockets, or under a unit test or fuzzer.
#include <cstddef>

namespace sluice::apps {

enum class Wait {
  input,   ///< every complete request was answered; more bytes are needed for the next one
  output,  ///< the next reply did not fit in the reply buffer: call again when there is more room
  close,   ///< send what was written, then close the connection (QUIT, Connection: close, bad framing)
};

struct Exchange {
  std::size_t consumed = 0;  ///< request bytes fully handled (drop them from the front of the buffer)
  std::size_t written = 0;   ///< reply bytes written to the front of the reply buffer
  Wait next = Wait::input;
};

}  // namespace sluice::apps
