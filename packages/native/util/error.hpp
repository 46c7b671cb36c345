#pragma once
// Errors outside the data path (opening devices, parsing configuration) are exceptions carrying an
// errno value, so the binding can turn them into typed JS errors with errno-style codes.
#include <cerrno>
#include <stdexcept>
#include <string>

namespace sluice {

class Error : public std::runtime_error {
 public:
  Error(int errno_value, const std::string& message) : std::runtime_error(message), errno_(errno_value) {}
  /// The errno value (EINVAL, ENODEV, EBUSY, ENOBUFS, ...) that classifies the failure.
  int code() const { return errno_; }

 private:
  int errno_;
};

/// "EINVAL" for EINVAL, etc.; "EIO" for values without a name here.
const char* errno_name(int errno_value);

/// Throws Error(errno_value, what + ": " + strerror(errno_value)).
[[noreturn]] void throw_errno(int errno_value, const std::string& what);

}  // namespace sluice
