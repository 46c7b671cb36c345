#pragma once
// The LibOS configuration: JSON (a file, or the text itself) plus SLUICE_<KEY> environment
// overrides, mapped onto runtime::InstanceConfig (the same structure `sluice run` fills) and the
// LibOS's own sizing. Every key and default is documented in docs/libos-config.md; errors name the
// key: `config.tcp.congestion: expected "cubic" or "newreno", got "vegas"`.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/instance_config.hpp"

namespace sluice::libos {

/// The LibOS's own tables, all allocated once at init.
struct LibosSizing {
  std::uint32_t max_queues = 1024;      ///< queue descriptors open at once
  std::uint32_t max_operations = 4096;  ///< operations pending or completed but not yet collected
  std::uint32_t buffer_count = 4096;    ///< sga buffers in the pool
  std::uint32_t buffer_size = 4096;     ///< bytes per buffer (one sga segment)
  /// Device frames the application may hold as zero-copy UDP buffers at once (popped or allocated;
  /// 0 turns zero-copy off). Capped at a quarter of the device's frames so receive never starves.
  std::uint32_t frame_budget = 256;
};

/// The in-process simulated wire (backend "sim"): instances naming the same wire in one process
/// are connected to each other.
struct SimOptions {
  std::string wire = "default";
  std::uint64_t seed = 1;
  std::uint32_t delay_us = 10;  ///< one-way latency of every link
};

struct LibosConfig {
  std::string backend;  ///< xdp | dpdk | tap | sim | kernel
  runtime::InstanceConfig instance;
  LibosSizing libos;
  SimOptions sim;
  /// SO_LINGER of new TCP sockets: -1 off (graceful close), 0 reset on close, N > 0 graceful.
  int tcp_linger = -1;
};

/// Looks up an environment variable; std::getenv in production, a map in tests.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

/// Parses JSON text, applies environment overrides and validates everything that can be checked
/// without opening a device. Throws sluice::Error(EINVAL) naming the key.
LibosConfig parse_config(std::string_view json_text, const Environment& environment);

/// `path_or_text` is JSON text when its first non-blank character is '{', else a file path
/// (ENOENT naming the path when it cannot be read).
LibosConfig load_config(std::string_view path_or_text, const Environment& environment);

}  // namespace sluice::libos
