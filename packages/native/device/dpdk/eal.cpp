#include "device/dpdk/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <sched.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>

#include "device/dpdk/log_capture.hpp"
#include "util/error.hpp"

namespace sluice::device::dpdk {

namespace {

struct EalState {
  std::mutex mutex;
  bool initialised = false;
  int failed_with = 0;  // the EAL refuses a second rte_eal_init() even after a failure
  std::vector<std::string> arguments;
  std::set<std::uint16_t> open_ports;
  std::set<std::string> af_xdp_queues;  // "iface/queue" ever bound by net_af_xdp here
  std::string private_runtime_dir;
};

EalState& state() {
  static EalState instance;
  return instance;
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

// rte_eal_init() pins the calling thread to its main lcore. Declaring the main lcore as floating
// over the CPUs this thread may already use leaves the caller's own pinning untouched.
std::string lcores_keeping_affinity() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::string cpus;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &allowed)) cpus += (cpus.empty() ? "" : ",") + std::to_string(cpu);
    }
  }
  return "--lcores=0@(" + (cpus.empty() ? std::string("0") : cpus) + ")";
}

// The EAL writes its runtime files under RUNTIME_DIRECTORY; a private directory keeps concurrent
// processes (and tests) from sharing or fighting over /var/run/dpdk.
void use_private_runtime_directory(EalState& eal) {
  if (std::getenv("RUNTIME_DIRECTORY") != nullptr) return;
  char path[] = "/tmp/sluice-dpdk-XXXXXX";
  if (::mkdtemp(path) == nullptr) throw_errno(errno, "dpdk: creating a private RUNTIME_DIRECTORY under /tmp");
  ::setenv("RUNTIME_DIRECTORY", path, 1);
  eal.private_runtime_dir = path;
}

void clean_up_at_exit() {
  EalState& eal = state();
  std::lock_guard lock(eal.mutex);
  if (eal.initialised && eal.open_ports.empty()) rte_eal_cleanup();
  if (!eal.private_runtime_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(eal.private_runtime_dir, ignored);
  }
}

}  // namespace

std::vector<std::string> eal_arguments(const EalRequest& request) {
  std::vector<std::string> args{"sluice", lcores_keeping_affinity(), "--no-telemetry", "--log-level=*:warning"};
  if (request.pci) {
    args.insert(args.end(), {"--in-memory", "-a", request.allow_pci});
  } else {
    args.insert(args.end(), {"--no-huge", "--no-shconf", "-m", "512", "--no-pci"});
  }
  args.insert(args.end(), request.extra_args.begin(), request.extra_args.end());
  return args;
}

void ensure_eal(const EalRequest& request) {
  DpdkLogCapture log;
  EalState& eal = state();
  std::lock_guard lock(eal.mutex);
  const std::vector<std::string> wanted = eal_arguments(request);
  if (eal.failed_with != 0) {
    throw Error(eal.failed_with, "dpdk: the EAL failed to initialise earlier in this process (" + join(eal.arguments) +
                                     "); DPDK cannot retry it: restart the process");
  }
  if (eal.initialised) {
    if (wanted != eal.arguments) {
      throw Error(EINVAL, "dpdk: the EAL is already initialised in this process with \"" + join(eal.arguments) +
                              "\"; it cannot be re-initialised with \"" + join(wanted) +
                              "\" (open every DPDK device of a process with the same dpdk_args and bus)");
    }
    return;
  }
  use_private_runtime_directory(eal);
  std::vector<char*> argv;
  std::vector<std::string> scratch = wanted;  // rte_eal_init may permute argv
  for (auto& arg : scratch) argv.push_back(arg.data());
  argv.push_back(nullptr);
  eal.arguments = wanted;
  if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
    eal.failed_with = rte_errno != 0 ? rte_errno : EIO;
    throw Error(eal.failed_with, "dpdk: rte_eal_init(" + join(wanted) + ") failed: " + rte_strerror(rte_errno) +
                                     log.last_complaint() +
                                     (request.pci ? "; real NICs need hugepages and a vfio/uio-bound device" : ""));
  }
  eal.initialised = true;
  std::atexit(clean_up_at_exit);
}

void port_opened(std::uint16_t port_id) {
  std::lock_guard lock(state().mutex);
  state().open_ports.insert(port_id);
}

void port_closed(std::uint16_t port_id) {
  std::lock_guard lock(state().mutex);
  state().open_ports.erase(port_id);
}

bool port_in_use(std::uint16_t port_id) {
  std::lock_guard lock(state().mutex);
  return state().open_ports.contains(port_id);
}

bool claim_af_xdp_queue(const std::string& iface, std::uint32_t queue) {
  std::lock_guard lock(state().mutex);
  return state().af_xdp_queues.insert(iface + "/" + std::to_string(queue)).second;
}

void unclaim_af_xdp_queue(const std::string& iface, std::uint32_t queue) {
  std::lock_guard lock(state().mutex);
  state().af_xdp_queues.erase(iface + "/" + std::to_string(queue));
}

}  // namespace sluice::device::dpdk
