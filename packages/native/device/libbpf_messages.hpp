#pragma once
// libbpf and libxdp print to stderr by default, and the useful part of a failure (the kernel's
// extack text, e.g. "Peer MTU is too large to set XDP") only appears there. While opening a device
// we silence them and keep the last warning so the thrown error can quote it.
#include <string>

namespace sluice::device {

class LibbpfMessageCapture {
 public:
  LibbpfMessageCapture();
  ~LibbpfMessageCapture();
  LibbpfMessageCapture(const LibbpfMessageCapture&) = delete;
  LibbpfMessageCapture& operator=(const LibbpfMessageCapture&) = delete;

  /// The last warning printed since construction or the last clear(), trimmed; empty if none.
  std::string last_warning() const;
  void clear();

 private:
  void* previous_libbpf_;
  void* previous_libxdp_;
};

}  // namespace sluice::device
