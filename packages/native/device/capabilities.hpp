#pragma once
// What this host can run: each backend is probed by trying the kernel facility it needs, so the
// answer (and the reason when it is "no") is the kernel's, not a guess from version numbers.
#include <string>
#include <vector>

namespace sluice::device {

struct BackendSupport {
  std::string backend;  // "xdp", "tap", "kernel"
  bool usable = false;
  std::string reason;   // empty when usable; otherwise the failing step and errno text
};

BackendSupport probe_af_xdp();
BackendSupport probe_tap();
BackendSupport probe_io_uring();
std::vector<BackendSupport> probe_all_backends();

struct LibraryVersions {
  std::string libbpf;
  std::string libxdp;
  std::string liburing;
};
LibraryVersions linked_library_versions();

}  // namespace sluice::device
