// A position in an application's iovec array, so read/recv/recvmsg/readv and
// write/send/sendmsg/writev share one copy path (a single buffer is a one-element iovec).
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace sluice::preload {

struct IoCursor {
  const struct iovec* iov = nullptr;
  std::size_t count = 0;
  std::size_t index = 0;
  std::size_t offset = 0;

  std::size_t remaining() const {
    std::size_t bytes = 0;
    for (std::size_t i = index; i < count; ++i) bytes += iov[i].iov_len;
    return bytes - offset;
  }

  /** Copies up to `len` bytes from `from` into the application's buffers; the count copied. */
  std::size_t fill(const char* from, std::size_t len) {
    std::size_t copied = 0;
    while (copied < len && index < count) {
      const std::size_t n = std::min(len - copied, iov[index].iov_len - offset);
      std::memcpy(static_cast<char*>(iov[index].iov_base) + offset, from + copied, n);
      advance(n);
      copied += n;
    }
    return copied;
  }

  /** Copies up to `len` bytes of the application's buffers into `to`; the count copied. */
  std::size_t drain(char* to, std::size_t len) {
    std::size_t copied = 0;
    while (copied < len && index < count) {
      const std::size_t n = std::min(len - copied, iov[index].iov_len - offset);
      std::memcpy(to + copied, static_cast<const char*>(iov[index].iov_base) + offset, n);
      advance(n);
      copied += n;
    }
    return copied;
  }

 private:
  void advance(std::size_t n) {
    offset += n;
    while (index < count && offset == iov[index].iov_len) {
      ++index;
      offset = 0;
    }
  }
};

}  // namespace sluice::preload
