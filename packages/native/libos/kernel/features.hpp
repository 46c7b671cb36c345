#pragma once
// What the running kernel's io_uring can do, found by asking it: the opcode probe for the basic
// operations, and for multishot accept/receive (whose absence the opcode probe cannot show) by
// arming one on a throwaway Unix socket pair and seeing whether it stays armed.
#include <liburing.h>

#include <string>

#include "libos/kernel/provided_buffers.hpp"

namespace sluice::libos::kernel {

struct Features {
  bool multishot_accept = false;   ///< IORING_ACCEPT_MULTISHOT (Linux 5.19)
  bool multishot_recv = false;     ///< IORING_RECV_MULTISHOT on RECV (Linux 6.0)
  bool multishot_recvmsg = false;  ///< IORING_RECV_MULTISHOT on RECVMSG (Linux 6.0)
  bool send_zc = false;            ///< IORING_OP_SEND_ZC exists (reported; sends use IORING_OP_SEND)
  bool submit_all = false;         ///< IORING_SETUP_SUBMIT_ALL accepted: one bad SQE stops no batch
  bool ext_arg = false;            ///< waits with a timeout are one syscall (IORING_FEAT_EXT_ARG)
  bool nodrop = false;             ///< completions are never dropped on CQ overflow (IORING_FEAT_NODROP)

  /// "multishot accept: yes, multishot recv: yes, ..." for logs and capability reports.
  std::string describe() const;
};

/// Throws sluice::Error(ENOSYS) naming the first opcode the engine needs that the kernel lacks.
void require_opcodes(io_uring& ring, Features& out);

/// Fills the multishot fields by trial on `ring`, which must have nothing in flight. Leaves nothing
/// armed and every provided buffer back in the ring.
void probe_multishot(io_uring& ring, ProvidedBuffers& buffers, Features& out);

}  // namespace sluice::libos::kernel
