#include "libos/open.hpp"

#include <cerrno>
#include <string>

#include "libos/kernel_provider.hpp"
#include "libos/stack_provider.hpp"
#include "runtime/background_runner.hpp"
#include "runtime/event_loop.hpp"
#include "util/error.hpp"

namespace sluice::libos {

std::unique_ptr<LibOS> open_libos(const LibosConfig& config) {
  if (config.instance.core >= 0) {
    runtime::check_core_usable(config.instance.core);
    runtime::pin_current_thread(config.instance.core);
  }
  std::unique_ptr<Provider> provider;
  if (config.backend == "kernel") {
    try {
      provider = std::make_unique<KernelProvider>(config);
    } catch (const Error& e) {
      throw Error(e.code(), std::string("backend kernel: ") + e.what());
    }
  } else {
    provider = std::make_unique<StackProvider>(config);
  }
  return std::make_unique<LibOS>(std::move(provider), config);
}

}  // namespace sluice::libos
