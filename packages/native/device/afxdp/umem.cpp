#include "device/afxdp/umem.hpp"

#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace sluice::device::afxdp {

namespace {

std::string mebibytes(std::uint64_t bytes) {
  const std::uint64_t tenths = bytes * 10 / (1024 * 1024);
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + " MiB";
}

std::string memlock_limit_text() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return mebibytes(limit.rlim_cur);
}

}  // namespace

std::uint32_t frame_size_for_mtu(std::uint32_t mtu) {
  const std::uint32_t needed = mtu + 14 + kernel_rx_headroom;
  if (needed <= 2048) return 2048;
  if (needed <= 4096) return 4096;
  return 0;
}

std::uint8_t* Umem::map_area(std::uint32_t frame_count, std::uint32_t frame_size, const std::string& owner) {
  const std::size_t size = std::size_t{frame_count} * frame_size;
  void* area = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) {
    throw Error(ENOMEM, owner + ": cannot map a " + mebibytes(size) + " UMEM (" + std::to_string(frame_count) +
                            " frames of " + std::to_string(frame_size) + " B): " + std::strerror(errno) +
                            "; lower frame_count");
  }
  return static_cast<std::uint8_t*>(area);
}

Umem::Umem(std::uint32_t frame_count, std::uint32_t frame_size, std::uint32_t ring_size, const std::string& owner)
    : area_(map_area(frame_count, frame_size, owner)),
      size_(std::size_t{frame_count} * frame_size),
      ring_size_(ring_size),
      pool_(area_, frame_count, frame_size) {
  xsk_umem_config config{};
  config.fill_size = ring_size;
  config.comp_size = ring_size;
  config.frame_size = frame_size;
  config.frame_headroom = 0;
  config.flags = 0;
  const int rc = xsk_umem__create(&umem_, area_, size_, &fill_, &completion_, &config);
  if (rc != 0) {
    ::munmap(area_, size_);
    const int err = -rc;
    if (err == EPERM || err == EACCES) {
      // The UMEM is registered on an AF_XDP socket, and creating one needs CAP_NET_RAW: not a memory limit.
      throw Error(EPERM, owner + ": creating the AF_XDP socket for the UMEM was refused (" + std::strerror(err) +
                             "): it needs root or CAP_NET_RAW (and CAP_IPC_LOCK or a high RLIMIT_MEMLOCK for the "
                             "UMEM)");
    }
    if (err == ENOBUFS || err == ENOMEM) {
      throw Error(ENOBUFS, owner + ": registering a " + mebibytes(size_) + " UMEM (" + std::to_string(frame_count) +
                               " frames of " + std::to_string(frame_size) + " B) was refused (" + std::strerror(err) +
                               "): locked memory is limited (RLIMIT_MEMLOCK " + memlock_limit_text() +
                               "); run as root / with CAP_IPC_LOCK, raise `ulimit -l`, or lower frame_count");
    }
    throw_errno(err, owner + ": xsk_umem__create");
  }
}

Umem::~Umem() {
  xsk_umem__delete(umem_);
  ::munmap(area_, size_);
}

}  // namespace sluice::device::afxdp
