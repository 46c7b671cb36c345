#pragma once
// Preallocated operation slots: everything an operation needs while the kernel works on it (the
// caller's token, the buffer being sent, the msghdr and address the kernel reads and writes) lives
// in a slot whose index is the io_uring user_data. No allocation per operation; a full table
// makes the start call fail with -ENOBUFS.
//
// A slot sits on at most one intrusive list at a time (free, a socket's send queue, the starved
// receives, the locally completed), linked through OpSlot::next.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "libos/kernel/completion.hpp"

namespace sluice::libos::kernel {

constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

struct OpSlot {
  std::uint64_t token = 0;
  Op op = Op::close;
  Mode mode = Mode::once;
  bool multishot = false;  ///< armed as a kernel multishot (stream mode with kernel support)
  int fd = -1;
  int how = 0;                    ///< shutdown: SHUT_RD/SHUT_WR/SHUT_RDWR
  std::int32_t local_result = 0;  ///< result of an operation the engine completed itself
  std::uint32_t next = kNoSlot;

  // send/sendto: the caller's bytes (the caller keeps them alive until the completion).
  const std::byte* data = nullptr;
  std::uint32_t length = 0;
  std::uint32_t sent = 0;  ///< send: bytes already accepted by the kernel (short sends resume)

  // connect/sendto destination; accept/recvfrom source. The kernel writes these asynchronously.
  sockaddr_in address{};
  socklen_t address_length = 0;
  msghdr message{};
  iovec vector{};
};

/// A FIFO of slot indexes linked through OpSlot::next.
struct SlotList {
  std::uint32_t head = kNoSlot;
  std::uint32_t tail = kNoSlot;
  bool empty() const { return head == kNoSlot; }
};

class OpSlots {
 public:
  explicit OpSlots(std::uint32_t count) : slots_(count) {
    for (std::uint32_t id = 0; id < count; ++id) push_back(free_, id);
  }

  OpSlot& operator[](std::uint32_t id) { return slots_[id]; }
  const OpSlot& operator[](std::uint32_t id) const { return slots_[id]; }
  std::uint32_t capacity() const { return static_cast<std::uint32_t>(slots_.size()); }
  std::uint32_t in_use() const { return in_use_; }

  /// A cleared slot, or kNoSlot when all are in use.
  std::uint32_t acquire() {
    const std::uint32_t id = pop_front(free_);
    if (id == kNoSlot) return kNoSlot;
    slots_[id] = OpSlot{};
    ++in_use_;
    return id;
  }

  void free(std::uint32_t id) {
    push_back(free_, id);
    --in_use_;
  }

  void push_back(SlotList& list, std::uint32_t id) {
    slots_[id].next = kNoSlot;
    if (list.tail == kNoSlot) {
      list.head = id;
    } else {
      slots_[list.tail].next = id;
    }
    list.tail = id;
  }

  std::uint32_t pop_front(SlotList& list) {
    const std::uint32_t id = list.head;
    if (id == kNoSlot) return kNoSlot;
    list.head = slots_[id].next;
    if (list.head == kNoSlot) list.tail = kNoSlot;
    slots_[id].next = kNoSlot;
    return id;
  }

 private:
  std::vector<OpSlot> slots_;
  SlotList free_;
  std::uint32_t in_use_ = 0;
};

}  // namespace sluice::libos::kernel
