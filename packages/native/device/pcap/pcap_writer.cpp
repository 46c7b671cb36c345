#include "device/pcap/pcap_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "util/error.hpp"

namespace sluice::device::pcap {

namespace {

constexpr std::uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNanoseconds = 0xa1b23c4d;
constexpr std::uint32_t kMaxSnapLength = 262144;

void store_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

}  // namespace

Instant wall_clock_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return {static_cast<std::uint64_t>(ts.tv_sec) * 1000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec)};
}

PcapWriter::PcapWriter(const std::string& path, const PcapWriterOptions& options)
    : path_(path), snap_length_(options.snap_length), precision_(options.precision) {
  if (options.snap_length == 0 || options.snap_length > kMaxSnapLength) {
    throw Error(EINVAL, "pcap capture \"" + path + "\": snap length " + std::to_string(options.snap_length) +
                            " is outside [1, 262144]");
  }
  buffer_.resize(std::max(options.buffer_bytes, kFileHeaderLen + kRecordHeaderLen + snap_length_));
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw_errno(errno, "pcap capture: cannot open \"" + path + "\" for writing (does the directory exist and is it writable?)");
  }
  std::uint8_t* h = buffer_.data();
  store_le32(h, precision_ == TimestampPrecision::nanoseconds ? kMagicNanoseconds : kMagicMicroseconds);
  store_le16(h + 4, 2);  // format version 2.4
  store_le16(h + 6, 4);
  store_le32(h + 8, 0);   // timestamps are UTC
  store_le32(h + 12, 0);  // accuracy: unused by every reader
  store_le32(h + 16, snap_length_);
  store_le32(h + 20, kLinkTypeEthernet);
  used_ = kFileHeaderLen;
}

PcapWriter::~PcapWriter() {
  flush();
  ::close(fd_);
}

std::size_t PcapWriter::record_size(std::size_t frame_len) const {
  return kRecordHeaderLen + std::min<std::size_t>(frame_len, snap_length_);
}

bool PcapWriter::make_room(std::size_t bytes) {
  if (bytes > buffer_.size()) return false;
  if (buffer_.size() - used_ < bytes) flush();
  return true;
}

void PcapWriter::append(Instant at, std::span<const std::uint8_t> frame) {
  const std::size_t kept = std::min<std::size_t>(frame.size(), snap_length_);
  make_room(kRecordHeaderLen + kept);
  std::uint8_t* r = buffer_.data() + used_;
  const std::uint64_t seconds = at.nanos / 1000'000'000u;
  const std::uint64_t fraction = at.nanos % 1000'000'000u;
  store_le32(r, static_cast<std::uint32_t>(seconds));
  store_le32(r + 4, static_cast<std::uint32_t>(precision_ == TimestampPrecision::nanoseconds ? fraction : fraction / 1000));
  store_le32(r + 8, static_cast<std::uint32_t>(kept));
  store_le32(r + 12, static_cast<std::uint32_t>(frame.size()));
  std::memcpy(r + kRecordHeaderLen, frame.data(), kept);
  used_ += kRecordHeaderLen + kept;
  ++counters_.records;
  if (kept < frame.size()) ++counters_.truncated;
}

void PcapWriter::rollback(std::size_t mark) {
  // Walk the records being forgotten so the counters stay true.
  std::size_t at = mark;
  while (at + kRecordHeaderLen <= used_) {
    const std::uint32_t kept = load_le32(buffer_.data() + at + 8);
    const std::uint32_t original = load_le32(buffer_.data() + at + 12);
    --counters_.records;
    if (kept < original) --counters_.truncated;
    at += kRecordHeaderLen + kept;
  }
  used_ = std::min(used_, mark);
}

void PcapWriter::flush() {
  std::size_t done = 0;
  while (done < used_) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, used_ - done);
    ++counters_.write_calls;
    if (n < 0) {
      if (errno == EINTR) continue;
      // The data path must not throw: count it, keep capturing, and let the caller report it.
      ++counters_.write_errors;
      counters_.last_error = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
    counters_.bytes_written += static_cast<std::uint64_t>(n);
  }
  used_ = 0;
}

void PcapWriter::flush_if_due(Instant now, Duration interval) {
  if (!interval_started_) {  // the first call starts the clock, as if the file had just been written
    interval_started_ = true;
    last_write_ = now;
  }
  if (used_ == 0 || now - last_write_ < interval) return;
  flush();
  last_write_ = now;
}

}  // namespace sluice::device::pcap
