#include "util/error.hpp"

#include <cstring>

namespace sluice {

const char* errno_name(int errno_value) {
  switch (errno_value) {
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case ENOBUFS: return "ENOBUFS";
    case EBUSY: return "EBUSY";
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNRESET: return "ECONNRESET";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOTCONN: return "ENOTCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOENT: return "ENOENT";
    default: return "EIO";
  }
}

void throw_errno(int errno_value, const std::string& what) {
  throw Error(errno_value, what + ": " + std::strerror(errno_value));
}

}  // namespace sluice
