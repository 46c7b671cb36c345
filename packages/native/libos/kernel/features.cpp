#include "libos/kernel/features.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "util/error.hpp"

namespace sluice::libos::kernel {

namespace {

// Trials run before the engine starts any operation, so these tags cannot collide with slot ids.
constexpr std::uint64_t kTrial = ~std::uint64_t{0} - 1;
constexpr std::uint64_t kTrialCancel = ~std::uint64_t{0} - 2;

struct OwnedFd {
  int fd = -1;
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits up to a second for the next completion; a trial that hears nothing counts as unsupported.
io_uring_cqe* next_completion(io_uring& ring) {
  __kernel_timespec timeout{.tv_sec = 1, .tv_nsec = 0};
  io_uring_cqe* cqe = nullptr;
  if (io_uring_wait_cqe_timeout(&ring, &cqe, &timeout) < 0) return nullptr;
  return cqe;
}

// Reads the first completion of the trial operation; if it stayed armed, cancels it and drains
// until both its final completion and the cancel's have been seen. Returns whether it stayed armed.
// An accept trial's results are descriptors, closed here.
bool observe_trial(io_uring& ring, ProvidedBuffers& buffers, bool result_is_fd) {
  bool stays_armed = false;
  bool trial_done = false;
  bool cancel_sent = false;
  bool cancel_done = false;
  while (!trial_done || (cancel_sent && !cancel_done)) {
    io_uring_cqe* cqe = next_completion(ring);
    if (cqe == nullptr) break;
    const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    if (cqe->user_data == kTrial) {
      if ((cqe->flags & IORING_CQE_F_BUFFER) != 0) {
        buffers.recycle(static_cast<BufferId>(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
      }
      if (result_is_fd && cqe->res >= 0) ::close(cqe->res);
      if (!cancel_sent) stays_armed = cqe->res >= 0 && more;
      trial_done = !more;
    } else if (cqe->user_data == kTrialCancel) {
      cancel_done = true;
    }
    io_uring_cqe_seen(&ring, cqe);
    if (!trial_done && !cancel_sent) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_cancel64(sqe, kTrial, 0);
      sqe->user_data = kTrialCancel;
      io_uring_submit(&ring);
      cancel_sent = true;
    }
  }
  return stays_armed;
}

bool try_multishot_recv(io_uring& ring, ProvidedBuffers& buffers, bool use_recvmsg) {
  int pair[2];
  const int type = (use_recvmsg ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  if (::socketpair(AF_UNIX, type, 0, pair) != 0) return false;
  OwnedFd receiver{pair[0]};
  OwnedFd sender{pair[1]};
  msghdr message{};  // multishot recvmsg reads only the name and control lengths from it

  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (use_recvmsg) {
    io_uring_prep_recvmsg_multishot(sqe, receiver.fd, &message, 0);
  } else {
    io_uring_prep_recv_multishot(sqe, receiver.fd, nullptr, 0, 0);
  }
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers.group();
  sqe->user_data = kTrial;
  const char byte = 'x';
  if (::write(sender.fd, &byte, 1) != 1) return false;
  if (io_uring_submit(&ring) < 0) return false;
  return observe_trial(ring, buffers, false);
}

bool try_multishot_accept(io_uring& ring, ProvidedBuffers& buffers) {
  OwnedFd listener{::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (listener.fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // Binding only the family autobinds an abstract address: nothing appears in the file system.
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof(sa_family_t)) != 0) return false;
  socklen_t length = sizeof(address);
  if (::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  if (::listen(listener.fd, 4) != 0) return false;
  OwnedFd client{::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (client.fd < 0 || ::connect(client.fd, reinterpret_cast<sockaddr*>(&address), length) != 0) return false;

  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_multishot_accept(sqe, listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
  sqe->user_data = kTrial;
  if (io_uring_submit(&ring) < 0) return false;
  return observe_trial(ring, buffers, true);
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

}  // namespace

std::string Features::describe() const {
  std::string text;
  text += "multishot accept: ";
  text += yes_no(multishot_accept);
  text += ", multishot recv: ";
  text += yes_no(multishot_recv);
  text += ", multishot recvmsg: ";
  text += yes_no(multishot_recvmsg);
  text += ", send_zc: ";
  text += yes_no(send_zc);
  text += ", submit_all: ";
  text += yes_no(submit_all);
  text += ", ext_arg: ";
  text += yes_no(ext_arg);
  text += ", nodrop: ";
  text += yes_no(nodrop);
  return text;
}

void require_opcodes(io_uring& ring, Features& out) {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  if (probe == nullptr) throw Error(ENOSYS, "io_uring cannot report its supported operations (Linux 5.6+ needed)");
  struct Needed {
    int opcode;
    const char* name;
  };
  constexpr Needed needed[] = {
      {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},   {IORING_OP_CONNECT, "IORING_OP_CONNECT"},
      {IORING_OP_SEND, "IORING_OP_SEND"},       {IORING_OP_SENDMSG, "IORING_OP_SENDMSG"},
      {IORING_OP_RECV, "IORING_OP_RECV"},       {IORING_OP_RECVMSG, "IORING_OP_RECVMSG"},
      {IORING_OP_CLOSE, "IORING_OP_CLOSE"},     {IORING_OP_SHUTDOWN, "IORING_OP_SHUTDOWN"},
      {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"},
  };
  for (const auto& op : needed) {
    if (!io_uring_opcode_supported(probe, op.opcode)) {
      io_uring_free_probe(probe);
      throw Error(ENOSYS, std::string("io_uring lacks ") + op.name + " (kernel too old for the kernel backend)");
    }
  }
  out.send_zc = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC) != 0;
  io_uring_free_probe(probe);
  out.ext_arg = (ring.features & IORING_FEAT_EXT_ARG) != 0;
  out.nodrop = (ring.features & IORING_FEAT_NODROP) != 0;
}

void probe_multishot(io_uring& ring, ProvidedBuffers& buffers, Features& out) {
  out.multishot_recv = try_multishot_recv(ring, buffers, false);
  out.multishot_recvmsg = try_multishot_recv(ring, buffers, true);
  out.multishot_accept = try_multishot_accept(ring, buffers);
}

}  // namespace sluice::libos::kernel
