#include "device/libbpf_messages.hpp"

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace sluice::device {

namespace {

// Opening happens on one thread at a time per device; thread_local keeps concurrent opens apart. A plain array,
// not a std::string: libxdp also logs while a device closes at process exit, after thread-local objects with
// destructors are gone (a std::string here was a heap-use-after-free at exit under ASan).
thread_local char last_message[512];

void remember(const char* format, va_list args) {
  char text[sizeof last_message];
  std::vsnprintf(text, sizeof text, format, args);
  std::size_t length = std::strlen(text);
  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' ')) --length;
  if (length == 0) return;
  std::memcpy(last_message, text, length);
  last_message[length] = '\0';
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
  last_message[0] = '\0';
}

LibbpfMessageCapture::~LibbpfMessageCapture() {
  libbpf_set_print(reinterpret_cast<libbpf_print_fn_t>(previous_libbpf_));
  libxdp_set_print(reinterpret_cast<libxdp_print_fn_t>(previous_libxdp_));
}

std::string LibbpfMessageCapture::last_warning() const { return last_message; }

void LibbpfMessageCapture::clear() { last_message[0] = '\0'; }

}  // namespace sluice::device
