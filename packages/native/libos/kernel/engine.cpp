#include "libos/kernel/engine.hpp"

#include <cerrno>
#include <climits>
#include <string>

#include "util/error.hpp"

namespace sluice::libos::kernel {

namespace {

constexpr std::uint16_t kBufferGroup = 0;

const EngineConfig& validated(const EngineConfig& config) {
  if (config.op_slots < 2 || config.op_slots > 16384) {
    throw Error(EINVAL, "op_slots must be 2..16384, got " + std::to_string(config.op_slots));
  }
  if (config.buffer_size < 64) throw Error(EINVAL, "buffer_size must be at least 64 bytes");
  if (config.max_fd == 0 || config.max_fd > (1u << 20)) {
    throw Error(EINVAL, "max_fd must be 1..1048576, got " + std::to_string(config.max_fd));
  }
  return config;  // buffer_count is checked by ProvidedBuffers, with the kernel's own limits
}

std::uint32_t power_of_two_at_least(std::uint32_t n) {
  std::uint32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Each operation needs one submission entry at a time, close() two; so twice the slots never fills
// the queue between polls. Multishot streams can post many completions per entry: a 4x larger
// completion queue absorbs bursts, and IORING_FEAT_NODROP keeps the rest in the kernel.
void set_up_ring(io_uring& ring, std::uint32_t op_slots, Features& features) {
  const std::uint32_t entries = power_of_two_at_least(op_slots * 2);
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = entries * 4;
  int rc = io_uring_queue_init_params(entries, &ring, &params);
  features.submit_all = rc == 0;
  if (rc == -EINVAL) {  // SUBMIT_ALL needs Linux 5.18
    params = io_uring_params{};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = entries * 4;
    rc = io_uring_queue_init_params(entries, &ring, &params);
  }
  if (rc < 0) throw_errno(-rc, "io_uring_queue_init_params");
}

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::accept: return "accept";
    case Op::connect: return "connect";
    case Op::send: return "send";
    case Op::sendto: return "sendto";
    case Op::recv: return "recv";
    case Op::recvfrom: return "recvfrom";
    case Op::close: return "close";
    case Op::shutdown: return "shutdown";
  }
  return "?";
}

Engine::Engine(const EngineConfig& config)
    : slots_(validated(config).op_slots), send_queues_(config.max_fd) {
  set_up_ring(ring_, config.op_slots, features_);
  try {
    require_opcodes(ring_, features_);
    buffers_ = std::make_unique<ProvidedBuffers>(ring_, kBufferGroup, config.buffer_count, config.buffer_size);
    probe_multishot(ring_, *buffers_, features_);
  } catch (...) {
    buffers_.reset();
    io_uring_queue_exit(&ring_);
    throw;
  }
  multishot_accept_ = config.multishot && features_.multishot_accept;
  multishot_recv_ = config.multishot && features_.multishot_recv;
  multishot_recvmsg_ = config.multishot && features_.multishot_recvmsg;
}

Engine::~Engine() {
  buffers_.reset();
  io_uring_queue_exit(&ring_);
}

// The last free slot is kept for close(), so a table full of armed receives can still be closed
// (which frees them all).
std::uint32_t Engine::start(Op op, int fd, std::uint64_t token, Mode mode) {
  if (op != Op::close && slots_.in_use() + 1 >= slots_.capacity()) return kNoSlot;
  const std::uint32_t id = slots_.acquire();
  if (id == kNoSlot) return kNoSlot;
  OpSlot& slot = slots_[id];
  slot.op = op;
  slot.fd = fd;
  slot.token = token;
  slot.mode = mode;
  ++stats_.ops_started;
  return id;
}

int Engine::accept(int fd, std::uint64_t token, Mode mode) {
  const std::uint32_t id = start(Op::accept, fd, token, mode);
  if (id == kNoSlot) return -ENOBUFS;
  slots_[id].multishot = mode == Mode::stream && multishot_accept_;
  arm(id);
  return 0;
}

int Engine::connect(int fd, const sockaddr_in& remote, std::uint64_t token) {
  const std::uint32_t id = start(Op::connect, fd, token, Mode::once);
  if (id == kNoSlot) return -ENOBUFS;
  slots_[id].address = remote;
  arm(id);
  return 0;
}

int Engine::send(int fd, std::span<const std::byte> data, std::uint64_t token) {
  if (data.size() > INT32_MAX) return -EINVAL;  // the completion reports the byte count as int32
  if (fd >= static_cast<int>(send_queues_.size())) return -EMFILE;
  const std::uint32_t id = start(Op::send, fd, token, Mode::once);
  if (id == kNoSlot) return -ENOBUFS;
  slots_[id].data = data.data();
  slots_[id].length = static_cast<std::uint32_t>(data.size());
  if (fd < 0) {  // no queue to order against: let the kernel report EBADF
    submit_send(id);
    return 0;
  }
  SlotList& queue = send_queues_[fd];
  const bool idle = queue.empty();
  slots_.push_back(queue, id);
  if (idle) submit_send(id);
  return 0;
}

int Engine::sendto(int fd, std::span<const std::byte> data, const sockaddr_in& remote, std::uint64_t token) {
  if (data.size() > INT32_MAX) return -EINVAL;
  const std::uint32_t id = start(Op::sendto, fd, token, Mode::once);
  if (id == kNoSlot) return -ENOBUFS;
  OpSlot& slot = slots_[id];
  slot.data = data.data();
  slot.length = static_cast<std::uint32_t>(data.size());
  slot.address = remote;
  arm(id);
  return 0;
}

int Engine::recv(int fd, std::uint64_t token, Mode mode) {
  const std::uint32_t id = start(Op::recv, fd, token, mode);
  if (id == kNoSlot) return -ENOBUFS;
  slots_[id].multishot = mode == Mode::stream && multishot_recv_;
  arm(id);
  return 0;
}

int Engine::recvfrom(int fd, std::uint64_t token, Mode mode) {
  const std::uint32_t id = start(Op::recvfrom, fd, token, mode);
  if (id == kNoSlot) return -ENOBUFS;
  slots_[id].multishot = mode == Mode::stream && multishot_recvmsg_;
  arm(id);
  return 0;
}

int Engine::shutdown(int fd, int how, std::uint64_t token) {
  const std::uint32_t id = start(Op::shutdown, fd, token, Mode::once);
  if (id == kNoSlot) return -ENOBUFS;
  slots_[id].how = how;
  arm(id);
  return 0;
}

// Operations the kernel holds keep the socket open even after close(2), so a plain close would
// leave armed receives waiting forever. Cancel-by-fd hard-linked to the close ends them first
// (each completes with -ECANCELED), and the close runs whether or not anything was cancelled.
int Engine::close(int fd, std::uint64_t token) {
  const std::uint32_t id = start(Op::close, fd, token, Mode::once);
  if (id == kNoSlot) return -ENOBUFS;
  cancel_queued_on(fd);
  io_uring_sqe* cancel = next_sqe();
  io_uring_prep_cancel_fd(cancel, fd, IORING_ASYNC_CANCEL_ALL);
  cancel->flags |= IOSQE_IO_HARDLINK;
  io_uring_sqe_set_data64(cancel, kInternal);
  arm(id);
  return 0;
}

// Operations the engine holds back (sends queued behind the one in the kernel, receives starved
// of buffers) are not in the kernel for the cancel to find: they end here.
void Engine::cancel_queued_on(int fd) {
  if (fd >= 0 && fd < static_cast<int>(send_queues_.size())) {
    SlotList& queue = send_queues_[fd];
    slots_.pop_front(queue);  // the head is in the kernel: the cancel ends it
    for (std::uint32_t id = slots_.pop_front(queue); id != kNoSlot; id = slots_.pop_front(queue)) {
      complete_locally(id, -ECANCELED);
    }
  }
  SlotList still_starved;
  for (std::uint32_t id = slots_.pop_front(starved_); id != kNoSlot; id = slots_.pop_front(starved_)) {
    if (slots_[id].fd == fd) {
      complete_locally(id, -ECANCELED);
    } else {
      slots_.push_back(still_starved, id);
    }
  }
  starved_ = still_starved;
}

void Engine::complete_locally(std::uint32_t id, std::int32_t result) {
  slots_[id].local_result = result;
  slots_.push_back(local_done_, id);
}

int Engine::release(BufferId buffer) {
  const int rc = buffers_->release(buffer);
  if (rc == 0) buffers_returned_ = true;
  return rc;
}

io_uring_sqe* Engine::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe != nullptr) return sqe;
  // Cannot happen with the queue sized at twice the slots; if it does, flush rather than fail.
  submit_pending();
  return io_uring_get_sqe(&ring_);
}

void Engine::submit_send(std::uint32_t id) {
  OpSlot& slot = slots_[id];
  io_uring_sqe* sqe = next_sqe();
  // MSG_WAITALL lets the kernel itself retry short stream sends; the engine resumes any remainder.
  io_uring_prep_send(sqe, slot.fd, slot.data + slot.sent, slot.length - slot.sent, MSG_WAITALL | MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, id);
}

// Fills the submission entry for a slot's (next) kernel operation.
void Engine::arm(std::uint32_t id) {
  OpSlot& slot = slots_[id];
  io_uring_sqe* sqe = next_sqe();
  switch (slot.op) {
    case Op::accept:
      if (slot.multishot) {
        io_uring_prep_multishot_accept(sqe, slot.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      } else {
        slot.address_length = sizeof(slot.address);
        io_uring_prep_accept(sqe, slot.fd, reinterpret_cast<sockaddr*>(&slot.address), &slot.address_length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
      }
      break;
    case Op::connect:
      io_uring_prep_connect(sqe, slot.fd, reinterpret_cast<const sockaddr*>(&slot.address), sizeof(slot.address));
      break;
    case Op::send:
      io_uring_prep_send(sqe, slot.fd, slot.data + slot.sent, slot.length - slot.sent, MSG_WAITALL | MSG_NOSIGNAL);
      break;
    case Op::sendto:
      slot.vector = {const_cast<std::byte*>(slot.data), slot.length};
      slot.message = msghdr{};
      slot.message.msg_name = &slot.address;
      slot.message.msg_namelen = sizeof(slot.address);
      slot.message.msg_iov = &slot.vector;
      slot.message.msg_iovlen = 1;
      io_uring_prep_sendmsg(sqe, slot.fd, &slot.message, MSG_NOSIGNAL);
      break;
    case Op::recv:
      if (slot.multishot) {
        io_uring_prep_recv_multishot(sqe, slot.fd, nullptr, 0, 0);
      } else {
        io_uring_prep_recv(sqe, slot.fd, nullptr, buffers_->size(), 0);
      }
      sqe->flags |= IOSQE_BUFFER_SELECT;
      sqe->buf_group = buffers_->group();
      break;
    case Op::recvfrom:
      slot.message = msghdr{};
      slot.message.msg_namelen = sizeof(slot.address);
      if (slot.multishot) {
        // The kernel writes a header, the sender's name and the payload into each buffer.
        io_uring_prep_recvmsg_multishot(sqe, slot.fd, &slot.message, 0);
      } else {
        slot.vector = {nullptr, buffers_->size()};
        slot.message.msg_name = &slot.address;
        slot.message.msg_iov = &slot.vector;
        slot.message.msg_iovlen = 1;
        io_uring_prep_recvmsg(sqe, slot.fd, &slot.message, 0);
      }
      sqe->flags |= IOSQE_BUFFER_SELECT;
      sqe->buf_group = buffers_->group();
      break;
    case Op::close:
      io_uring_prep_close(sqe, slot.fd);
      break;
    case Op::shutdown:
      io_uring_prep_shutdown(sqe, slot.fd, slot.how);
      break;
  }
  io_uring_sqe_set_data64(sqe, id);
}

void Engine::submit_pending() {
  if (io_uring_sq_ready(&ring_) == 0) return;
  const int submitted = io_uring_submit(&ring_);
  ++stats_.submit_calls;
  // On -EAGAIN/-EBUSY the entries stay queued and the next poll submits them.
  if (submitted > 0) stats_.sqes_submitted += static_cast<std::uint64_t>(submitted);
}

std::size_t Engine::poll(std::span<Completion> out) {
  const std::size_t produced = harvest(out);
  submit();
  return produced;
}

void Engine::submit() {
  rearm_starved();
  submit_pending();
}

// Starved receives re-arm on the way into the kernel, after the caller had its chance to release.
void Engine::rearm_starved() {
  if (!buffers_returned_) return;
  buffers_returned_ = false;
  for (std::uint32_t id = slots_.pop_front(starved_); id != kNoSlot; id = slots_.pop_front(starved_)) {
    ++stats_.rearms;
    arm(id);
  }
}

std::size_t Engine::harvest(std::span<Completion> out) {
  std::size_t produced = drain_local(out);
  while (produced < out.size()) {
    io_uring_cqe* batch[64];
    const std::size_t room = out.size() - produced;
    const unsigned want = room < 64 ? static_cast<unsigned>(room) : 64u;
    const unsigned n = io_uring_peek_batch_cqe(&ring_, batch, want);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      if (handle(*batch[i], out[produced])) ++produced;
    }
    io_uring_cq_advance(&ring_, n);
  }
  stats_.completions += produced;
  return produced;
}

std::size_t Engine::drain_local(std::span<Completion> out) {
  std::size_t produced = 0;
  while (produced < out.size() && !local_done_.empty()) {
    const std::uint32_t id = slots_.pop_front(local_done_);
    const OpSlot& slot = slots_[id];
    out[produced++] = Completion{.token = slot.token, .op = slot.op, .fd = slot.fd, .result = slot.local_result};
    slots_.free(id);
  }
  return produced;
}

int Engine::wait(std::chrono::nanoseconds timeout) {
  if (!local_done_.empty() || io_uring_cq_ready(&ring_) > 0) return 0;
  rearm_starved();
  const unsigned pending = io_uring_sq_ready(&ring_);
  if (pending > 0) ++stats_.submit_calls;
  ++stats_.wait_calls;
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec limit{};
  __kernel_timespec* limit_or_none = nullptr;
  if (timeout.count() >= 0) {
    limit.tv_sec = timeout.count() / 1'000'000'000;
    limit.tv_nsec = timeout.count() % 1'000'000'000;
    limit_or_none = &limit;
  }
  const int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, limit_or_none, nullptr);
  stats_.sqes_submitted += pending - io_uring_sq_ready(&ring_);
  return rc < 0 ? rc : 0;
}

}  // namespace sluice::libos::kernel
