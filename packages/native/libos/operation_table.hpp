#pragma once
// Every asynchronous operation lives in one preallocated slot from submission until its result is
// collected. A qtoken is the slot index and the slot's generation, so a token whose result was
// already collected (or that never existed) is refused rather than answered with someone else's
// result. Slots link into intrusive FIFOs (a queue's pending pops, pushes, accepts; the completed
// list), so nothing is allocated per operation.
#include <cstdint>
#include <vector>

#include "socket/endpoint.hpp"
#include "sluice/libos.h"

namespace sluice::libos {

inline constexpr std::uint32_t kNoSlot = 0xffffffffu;

struct Operation {
  enum class State : std::uint8_t { free, pending, done };
  State state = State::free;
  std::uint32_t generation = 1;
  std::uint32_t prev = kNoSlot;  ///< links in whichever list holds the slot
  std::uint32_t next = kNoSlot;
  std::size_t progress = 0;  ///< bytes of a push already handed to the provider
  socket::Endpoint to;       ///< pushto destination
  sl_qresult_t result{};
};

/// A FIFO of operation slots threaded through Operation::prev/next.
struct OperationList {
  std::uint32_t head = kNoSlot;
  std::uint32_t tail = kNoSlot;
  std::uint32_t size = 0;
  bool empty() const { return head == kNoSlot; }
};

class OperationTable {
 public:
  explicit OperationTable(std::uint32_t capacity);

  /// A free slot in state pending, or kNoSlot when all are in use.
  std::uint32_t acquire();
  /// Gives the slot back; its token becomes stale.
  void release(std::uint32_t slot);
  Operation& at(std::uint32_t slot) { return slots_[slot]; }

  sl_qtoken_t token_of(std::uint32_t slot) const {
    return static_cast<sl_qtoken_t>((std::uint64_t{slots_[slot].generation} << 32) | (slot + 1));
  }
  /// The slot a live token names, or kNoSlot for a malformed or stale token.
  std::uint32_t slot_of(sl_qtoken_t token) const;

  void push_back(OperationList& list, std::uint32_t slot);
  void remove(OperationList& list, std::uint32_t slot);
  std::uint32_t in_use() const { return in_use_; }
  std::uint32_t capacity() const { return static_cast<std::uint32_t>(slots_.size()); }

 private:
  std::vector<Operation> slots_;
  std::vector<std::uint32_t> free_;
  std::uint32_t in_use_ = 0;
};

}  // namespace sluice::libos
