#pragma once
// Backend selection: configuration in, a running LibOS out.
#include <memory>

#include "libos/config.hpp"
#include "libos/libos.hpp"

namespace sluice::libos {

/// Picks the provider `config.backend` names (xdp, dpdk, tap, sim: the Sluice stack; kernel: Linux
/// sockets through io_uring, ENOSYS when the kernel lacks what the engine needs), pins the calling thread to `core` when one is set, and builds the LibOS.
/// Throws sluice::Error naming what failed.
std::unique_ptr<LibOS> open_libos(const LibosConfig& config);

}  // namespace sluice::libos
