// The completion half of the engine: turning kernel completions into caller completions, and
// deciding what happens to each operation's slot afterwards.
#include <cerrno>
#include <cstring>

#include "libos/kernel/engine.hpp"
#include "libos/kernel/sockets.hpp"

namespace sluice::libos::kernel {

// Returns whether `out` was filled (internal completions and silent re-arms fill nothing).
bool Engine::handle(const io_uring_cqe& cqe, Completion& out) {
  if (cqe.user_data == kInternal) return false;
  const auto id = static_cast<std::uint32_t>(cqe.user_data);
  OpSlot& slot = slots_[id];
  switch (slot.op) {
    case Op::accept: return handle_accept(id, cqe, out);
    case Op::recv:
    case Op::recvfrom: return handle_receive(id, cqe, out);
    case Op::send: return handle_send(id, cqe, out);
    case Op::connect:
    case Op::sendto:
    case Op::close:
    case Op::shutdown:
      out = Completion{.token = slot.token, .op = slot.op, .fd = slot.fd, .result = cqe.res};
      finish(id, false, out);
      return true;
  }
  return false;
}

bool Engine::handle_accept(std::uint32_t id, const io_uring_cqe& cqe, Completion& out) {
  const OpSlot& slot = slots_[id];
  out = Completion{.token = slot.token, .op = Op::accept, .fd = slot.fd, .result = cqe.res};
  if (cqe.res >= 0) {
    // A multishot accept has one address buffer for many connections, so it is not given one;
    // the peer is asked for instead (accepting is not the per-packet path).
    if (slot.multishot) {
      peer_address(cqe.res, out.peer);
    } else {
      out.peer = slot.address;
    }
  }
  finish(id, (cqe.flags & IORING_CQE_F_MORE) != 0, out);
  return true;
}

bool Engine::handle_receive(std::uint32_t id, const io_uring_cqe& cqe, Completion& out) {
  OpSlot& slot = slots_[id];
  const bool kernel_more = (cqe.flags & IORING_CQE_F_MORE) != 0;
  const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
  const auto buffer = static_cast<BufferId>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);

  if (cqe.res == -ENOBUFS && !kernel_more) {
    // Every buffer is with the caller: wait for a release() instead of failing the receive.
    ++stats_.buffer_starved;
    slots_.push_back(starved_, id);
    return false;
  }
  out = Completion{.token = slot.token, .op = slot.op, .fd = slot.fd, .result = cqe.res};
  if (cqe.res >= 0 && has_buffer) {
    std::span<std::byte> bytes = buffers_->buffer(buffer).first(static_cast<std::size_t>(cqe.res));
    if (slot.op == Op::recvfrom && slot.multishot) {
      auto* header = io_uring_recvmsg_validate(bytes.data(), cqe.res, &slot.message);
      if (header == nullptr) {
        out.result = -EMSGSIZE;  // buffer too small for even the header: cannot happen at >= 64 bytes
        bytes = {};
      } else {
        const std::size_t name_length = header->namelen < sizeof(out.peer) ? header->namelen : sizeof(out.peer);
        std::memcpy(&out.peer, io_uring_recvmsg_name(header), name_length);
        auto* payload = static_cast<std::byte*>(io_uring_recvmsg_payload(header, &slot.message));
        bytes = {payload, io_uring_recvmsg_payload_length(header, cqe.res, &slot.message)};
        out.result = static_cast<std::int32_t>(bytes.size());
      }
    } else if (slot.op == Op::recvfrom) {
      out.peer = slot.address;
    }
    if (bytes.empty()) {
      buffers_->recycle(buffer);
    } else {
      buffers_->take(buffer);
      out.data = bytes;
      out.buffer = buffer;
    }
  } else if (has_buffer) {
    buffers_->recycle(buffer);
  }
  finish(id, kernel_more, out);
  return true;
}

bool Engine::handle_send(std::uint32_t id, const io_uring_cqe& cqe, Completion& out) {
  OpSlot& slot = slots_[id];
  const bool queued = slot.fd >= 0 && send_queues_[slot.fd].head == id;  // false once close() dropped it
  if (cqe.res > 0) slot.sent += static_cast<std::uint32_t>(cqe.res);
  if (cqe.res > 0 && slot.sent < slot.length && queued) {
    submit_send(id);  // a short send: resume where the kernel stopped, still ahead of later sends
    return false;
  }
  out = Completion{.token = slot.token, .op = Op::send, .fd = slot.fd,
                   .result = cqe.res < 0 ? cqe.res : static_cast<std::int32_t>(slot.sent)};
  if (queued) {
    SlotList& queue = send_queues_[slot.fd];
    slots_.pop_front(queue);
    if (!queue.empty()) submit_send(queue.head);
  }
  finish(id, false, out);
  return true;
}

// Decides the slot's fate after a delivered completion: still armed in the kernel, re-armed by the
// engine (a stream whose kernel operation ended without ending the stream), or done and freed.
void Engine::finish(std::uint32_t id, bool kernel_more, Completion& out) {
  const OpSlot& slot = slots_[id];
  const bool end_of_stream = slot.op == Op::recv && out.result == 0;
  const bool stream_goes_on = slot.mode == Mode::stream && out.result >= 0 && !end_of_stream;
  if (kernel_more) {
    out.more = true;
  } else if (stream_goes_on) {
    out.more = true;
    ++stats_.rearms;
    arm(id);
  } else {
    out.more = false;
    slots_.free(id);
  }
}

}  // namespace sluice::libos::kernel
