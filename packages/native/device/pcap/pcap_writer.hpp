#pragma once
// A classic pcap file (LINKTYPE_ETHERNET) written through one buffer: records are appended in
// memory and the buffer is written with one write(2) when it is full, when flush() is called, or on
// destruction, so capturing costs no syscall per frame. Fields are little-endian; readers detect
// the byte order from the magic number.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/time.hpp"

namespace sluice::device::pcap {

enum class TimestampPrecision { microseconds, nanoseconds };

struct PcapWriterOptions {
  std::uint32_t snap_length = 262144;  ///< bytes kept per frame; longer frames are truncated
  TimestampPrecision precision = TimestampPrecision::nanoseconds;
  std::size_t buffer_bytes = 1 << 20;  ///< raised to one whole record if smaller
};

struct PcapCounters {
  std::uint64_t records = 0;
  std::uint64_t truncated = 0;      ///< records cut to the snap length
  std::uint64_t bytes_written = 0;  ///< to the file, header included
  std::uint64_t write_calls = 0;
  std::uint64_t write_errors = 0;   ///< failed writes; their buffered records are lost
  int last_error = 0;               ///< errno of the last failed write
};

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME): what capture timestamps mean.
Instant wall_clock_now();

class PcapWriter {
 public:
  static constexpr std::size_t kFileHeaderLen = 24;
  static constexpr std::size_t kRecordHeaderLen = 16;
  static constexpr std::uint32_t kLinkTypeEthernet = 1;

  /// Creates or truncates `path`. Throws sluice::Error naming the path when it cannot be opened.
  PcapWriter(const std::string& path, const PcapWriterOptions& options);
  /// Writes what is buffered and closes the file.
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  /// Buffer bytes one record of a `frame_len`-byte frame takes.
  std::size_t record_size(std::size_t frame_len) const;
  /// Writes the buffer out unless `bytes` more fit; false when `bytes` exceeds the whole buffer.
  bool make_room(std::size_t bytes);
  /// Appends one record, writing the buffer out first if it lacks room. Never throws.
  void append(Instant at, std::span<const std::uint8_t> frame);
  /// Bytes the buffer holds when empty.
  std::size_t capacity() const { return buffer_.size(); }
  /// Bytes buffered and not yet written.
  std::size_t buffered() const { return used_; }
  /// Forgets the records appended after the buffer held `mark` bytes. Only valid when nothing was
  /// written since then (the caller made room beforehand).
  void rollback(std::size_t mark);

  /// Writes everything buffered now.
  void flush();
  /// Writes the buffer if it holds anything and `interval` has passed since the last write by this
  /// function (the first call only starts the interval).
  void flush_if_due(Instant now, Duration interval);

  const PcapCounters& counters() const { return counters_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint32_t snap_length_;
  TimestampPrecision precision_;
  std::vector<std::uint8_t> buffer_;
  std::size_t used_ = 0;
  Instant last_write_{};
  bool interval_started_ = false;
  PcapCounters counters_{};
};

}  // namespace sluice::device::pcap
