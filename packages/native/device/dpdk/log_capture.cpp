#include "device/dpdk/log_capture.hpp"

#include <rte_log.h>

#include <cstdlib>

namespace sluice::device::dpdk {

DpdkLogCapture::DpdkLogCapture() : previous_(rte_log_get_stream()), stream_(::open_memstream(&buffer_, &size_)) {
  if (stream_ != nullptr) rte_openlog_stream(stream_);
}

DpdkLogCapture::~DpdkLogCapture() {
  if (stream_ == nullptr) return;
  rte_openlog_stream(previous_ == stderr ? nullptr : previous_);
  std::fclose(stream_);
  std::free(buffer_);
}

std::string DpdkLogCapture::last_complaint() {
  std::string line;
  if (stream_ != nullptr) {
    std::fflush(stream_);
    std::string text(buffer_, size_);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    line = text.substr(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  }
  if (line.empty()) line = libbpf_.last_warning();
  return line.empty() ? "" : " (driver: " + line + ")";
}

}  // namespace sluice::device::dpdk
