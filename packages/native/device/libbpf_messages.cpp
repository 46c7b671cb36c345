#include "device/libbpf_messages.hpp"

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <cstdarg>
#include <cstdio>

namespace sluice::device {

namespace {

// Opening happens on one thread at a time per device; thread_local keeps concurrent opens apart.
thread_local std::string last_message;

void remember(const char* format, va_list args) {
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  std::string message(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (!message.empty()) last_message = message;
}

int capture_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_WARN) remember(format, args);
  return 0;
}

int capture_libxdp(enum libxdp_print_level level, const char* format, va_list args) {
  if (level == LIBXDP_WARN) remember(format, args);
  return 0;
}

}  // namespace

LibbpfMessageCapture::LibbpfMessageCapture()
    : previous_libbpf_(reinterpret_cast<void*>(libbpf_set_print(capture_libbpf))),
      previous_libxdp_(reinterpret_cast<void*>(libxdp_set_print(capture_libxdp))) {
  last_message.clear();
}

LibbpfMessageCapture::~LibbpfMessageCapture() {
  libbpf_set_print(reinterpret_cast<libbpf_print_fn_t>(previous_libbpf_));
  libxdp_set_print(reinterpret_cast<libxdp_print_fn_t>(previous_libxdp_));
}

std::string LibbpfMessageCapture::last_warning() const { return last_message; }

void LibbpfMessageCapture::clear() { last_message.clear(); }

}  // namespace sluice::device
