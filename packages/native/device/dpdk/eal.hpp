#pragma once
// DPDK's Environment Abstraction Layer can be initialised once per process and never again, even
// after rte_eal_cleanup(). So it is a process-wide singleton: the first DPDK device opened decides
// the EAL arguments, later devices in the same process share that EAL (their ports are hot-plugged
// with rte_dev_probe) and must not ask for different arguments. The EAL is cleaned up at exit when
// no DPDK device is left open.
#include <cstdint>
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

/// Which ports our devices use: a port is driven by one device at a time, and the exit handler
/// only cleans up an idle EAL.
void port_opened(std::uint16_t port_id);
void port_closed(std::uint16_t port_id);
bool port_in_use(std::uint16_t port_id);

/// DPDK 22.11's net_af_xdp never closes its AF_XDP socket, so the (interface, queue) it bound stays
/// bound until the process exits. Returns false when this process already used it.
bool claim_af_xdp_queue(const std::string& iface, std::uint32_t queue);
/// For an open that failed before net_af_xdp created its socket.
void unclaim_af_xdp_queue(const std::string& iface, std::uint32_t queue);

}  // namespace sluice::device::dpdk
