#pragma once
// The harness the protocol fuzz targets share: the input layout (a piece size and a reply room,
// then the stream) and the loop that feeds the stream to a protocol in pieces, as a connection
// does, checking after every exchange that nothing is consumed or written beyond what was given
// and that a wait for room is never reported when the room is the most there will ever be.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "apps/exchange.hpp"

namespace sluice::fuzz {

[[noreturn]] inline void fail(const char* target, const char* what, std::size_t detail) {
  std::fprintf(stderr, "%s: %s (%zu)\n", target, what, detail);
  std::abort();
}

/// A fuzz input split up: byte 0 is the piece size (1 + b % 64), byte 1 the reply room
/// (room_base + b * room_step), the rest the stream.
struct ProtocolInput {
  std::size_t piece;
  std::size_t room;
  std::span<const std::uint8_t> stream;
};

inline std::optional<ProtocolInput> split_input(const std::uint8_t* data, std::size_t size, std::size_t room_base,
                                                std::size_t room_step) {
  if (size < 2) return std::nullopt;
  return ProtocolInput{.piece = 1 + data[0] % 64u,
                       .room = room_base + std::size_t{data[1]} * room_step,
                       .stream = {data + 2, size - 2}};
}

/// Feeds `input.stream` in pieces to `handle(pending, out)`, which runs one exchange of the
/// protocol and returns it; consumed bytes leave `pending`. After each piece `after_piece(pending)`
/// checks or advances what the target needs. Stops at a close, or when more than `max_pending`
/// bytes wait unconsumed (a server would have refused the connection by then).
template <typename Handle, typename AfterPiece>
void feed_in_pieces(const char* target, const ProtocolInput& input, Handle&& handle, AfterPiece&& after_piece,
                    std::size_t max_pending = std::numeric_limits<std::size_t>::max()) {
  std::vector<std::uint8_t> pending;
  std::vector<std::uint8_t> out(input.room);
  const auto& stream = input.stream;
  for (std::size_t pos = 0; pos < stream.size(); pos += input.piece) {
    const auto chunk = stream.subspan(pos, std::min(input.piece, stream.size() - pos));
    pending.insert(pending.end(), chunk.begin(), chunk.end());
    if (pending.size() > max_pending) return;
    for (;;) {
      const apps::Exchange exchange = handle(pending, out);
      if (exchange.consumed > pending.size()) fail(target, "consumed more than given", exchange.consumed);
      if (exchange.written > out.size()) fail(target, "wrote more than room", exchange.written);
      pending.erase(pending.begin(), pending.begin() + static_cast<long>(exchange.consumed));
      if (exchange.next == apps::Wait::close) return;
      if (exchange.next == apps::Wait::input) break;
      if (exchange.written == 0 && exchange.consumed == 0) fail(target, "waits for room it already has", out.size());
    }
    after_piece(pending);
  }
}

}  // namespace sluice::fuzz
