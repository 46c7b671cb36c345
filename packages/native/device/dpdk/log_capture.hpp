#pragma once
// While a port opens or closes, DPDK's log (and libbpf's, for net_af_xdp) goes to memory instead of
// stderr: a successful open stays quiet, and a failed one quotes the driver's last complaint,
// which is usually the actual cause ("Failed to get enough buffers for fq").
#include <cstdio>
#include <string>

#include "device/libbpf_messages.hpp"

namespace sluice::device::dpdk {

class DpdkLogCapture {
 public:
  DpdkLogCapture();
  ~DpdkLogCapture();
  DpdkLogCapture(const DpdkLogCapture&) = delete;
  DpdkLogCapture& operator=(const DpdkLogCapture&) = delete;

  /// " (driver: <last DPDK or libbpf line>)", or "" when nothing was logged.
  std::string last_complaint();

 private:
  std::FILE* previous_;
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* stream_ = nullptr;
  LibbpfMessageCapture libbpf_;
};

}  // namespace sluice::device::dpdk
