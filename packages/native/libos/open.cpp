#include "libos/open.hpp"

#include <cerrno>

#include "libos/stack_provider.hpp"
#include "runtime/background_runner.hpp"
#include "runtime/event_loop.hpp"
#include "util/error.hpp"

namespace sluice::libos {

std::unique_ptr<LibOS> open_libos(const LibosConfig& config) {
  if (config.backend == "kernel") {
    throw Error(ENOSYS,
                "backend kernel: the io_uring provider is not built yet; use xdp, dpdk, tap or sim");
  }
  if (config.instance.core >= 0) {
    runtime::check_core_usable(config.instance.core);
    runtime::pin_current_thread(config.instance.core);
  }
  return std::make_unique<LibOS>(std::make_unique<StackProvider>(config), config);
}

}  // namespace sluice::libos
