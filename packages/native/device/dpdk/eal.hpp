#pragma once
// DPDK's Environment Abstraction Layer can be initialised once per process and never again, even
// after rte_eal_cleanup(). So it is a process-wide singleton: the first DPDK device opened decides
// the EAL arguments, later devices in the same process share that EAL (their ports are hot-plugged
// with rte_dev_probe) and must not ask for different arguments. The EAL is cleaned up at exit when
// no DPDK device is left open.
#include <string>
#include <vector>

namespace sluice::device::dpdk {

struct EalRequest {
  bool pci = false;                     ///< a real NIC: hugepages (--in-memory) and the PCI bus
  std::string allow_pci;                ///< the PCI address to allow when pci is set
  std::vector<std::string> extra_args;  ///< DeviceConfig::dpdk_args
};

/// The EAL arguments a request maps to (argv[0] included); exposed for tests and error messages.
std::vector<std::string> eal_arguments(const EalRequest& request);

/// Initialises the EAL on the first call. Throws Error(EINVAL) when a later call asks for other
/// arguments, or the EAL's own errno when initialisation fails (it cannot be retried then).
void ensure_eal(const EalRequest& request);

/// Open-device bookkeeping, so the exit handler only cleans up an idle EAL.
void device_opened();
void device_closed();

}  // namespace sluice::device::dpdk
