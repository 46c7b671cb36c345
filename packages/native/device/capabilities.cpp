#include "device/capabilities.hpp"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/mman.h>
#include <xdp/xsk.h>

#include <cerrno>
#include <cstring>

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace sluice::device {

namespace {
BackendSupport unusable(const char* backend, const char* step, int err) {
  return {backend, false, std::string(step) + ": " + std::strerror(err)};
}
}  // namespace

// Registering a small UMEM is the step that fails on locked-memory limits, so the probe does it.
BackendSupport probe_af_xdp() {
  const int fd = ::socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return unusable("xdp", "socket(AF_XDP)", errno);
  ::close(fd);

  constexpr std::size_t frames = 64;
  const std::size_t size = frames * XSK_UMEM__DEFAULT_FRAME_SIZE;
  void* area = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return unusable("xdp", "mmap(UMEM)", errno);
  xsk_umem* umem = nullptr;
  xsk_ring_prod fill{};
  xsk_ring_cons completion{};
  const int rc = xsk_umem__create(&umem, area, size, &fill, &completion, nullptr);
  BackendSupport result{"xdp", true, {}};
  if (rc != 0) {
    result = unusable("xdp", "xsk_umem__create", -rc);
    if (rc == -ENOBUFS || rc == -ENOMEM || rc == -EPERM) result.reason += " (locked memory: raise RLIMIT_MEMLOCK or run as root)";
  } else {
    xsk_umem__delete(umem);
  }
  ::munmap(area, size);
  return result;
}

BackendSupport probe_tap() {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return unusable("tap", "open(/dev/net/tun)", errno);
  ::close(fd);
  return {"tap", true, {}};
}

BackendSupport probe_io_uring() {
  io_uring ring{};
  const int rc = io_uring_queue_init(4, &ring, 0);
  if (rc < 0) return unusable("kernel", "io_uring_queue_init", -rc);
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  BackendSupport result{"kernel", true, {}};
  if (probe == nullptr) {
    result = {"kernel", false, "io_uring_get_probe_ring: kernel cannot report supported operations"};
  } else if (!io_uring_opcode_supported(probe, IORING_OP_SENDMSG) ||
             !io_uring_opcode_supported(probe, IORING_OP_RECVMSG)) {
    result = {"kernel", false, "io_uring lacks SENDMSG/RECVMSG"};
  }
  if (probe != nullptr) io_uring_free_probe(probe);
  io_uring_queue_exit(&ring);
  return result;
}

std::vector<BackendSupport> probe_all_backends() { return {probe_af_xdp(), probe_tap(), probe_io_uring()}; }

LibraryVersions linked_library_versions() {
  return {libbpf_version_string(), SLUICE_LIBXDP_VERSION, SLUICE_LIBURING_VERSION};
}

}  // namespace sluice::device
