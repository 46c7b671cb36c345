#include "preload/libc.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace sluice::preload {
namespace {

void* next_symbol(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == nullptr) {
    std::fprintf(stderr, "sluice preload: libc has no %s\n", name);
    std::abort();
  }
  return symbol;
}

}  // namespace

const RealLibc& real_libc() {
  static const RealLibc libc{
      reinterpret_cast<int (*)(int, int, int)>(next_symbol("socket")),
      reinterpret_cast<int (*)(int)>(next_symbol("close")),
      reinterpret_cast<int (*)(struct pollfd*, nfds_t, int)>(next_symbol("poll")),
      reinterpret_cast<int (*)(int, int, ...)>(next_symbol("fcntl")),
      reinterpret_cast<int (*)(int, int, int)>(next_symbol("dup3")),
      reinterpret_cast<int (*)(int, struct epoll_event*, int, int)>(next_symbol("epoll_wait")),
  };
  return libc;
}

}  // namespace sluice::preload
