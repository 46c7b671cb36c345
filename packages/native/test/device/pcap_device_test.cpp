// PcapDevice writes a file that the test parses back field by field.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "device/pcap/pcap_device.hpp"
#include "fake_device.hpp"
#include "util/error.hpp"

using sluice::Duration;
using sluice::Instant;
using sluice::device::Frame;
using sluice::device::pcap::PcapDevice;
using sluice::device::pcap::PcapOptions;
using sluice::device::pcap::TimestampPrecision;
using sluice::test::FakeDevice;
using sluice::test::FakeDeviceProbe;
using Bytes = std::vector<std::uint8_t>;

namespace {

/// A capture file path unique to this test, removed when the test ends, pass or fail.
struct TempPath {
  std::string path;
  explicit TempPath(const char* name)
      : path("/tmp/sluice-" + std::string(name) + "-" + std::to_string(::getpid()) + ".pcap") {}
  ~TempPath() { std::remove(path.c_str()); }
};

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::uint32_t le32(const Bytes& b, std::size_t at) {
  return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
         std::uint32_t{b[at + 3]} << 24;
}

struct Record {
  std::uint32_t seconds, fraction, kept, original;
  Bytes bytes;
};

/// Parses records after the 24-byte header; fails the test on a record running past the end.
std::vector<Record> parse_records(const Bytes& file) {
  std::vector<Record> records;
  std::size_t at = 24;
  while (at < file.size()) {
    EXPECT_LE(at + 16, file.size()) << "truncated record header";
    if (at + 16 > file.size()) break;
    Record r{le32(file, at), le32(file, at + 4), le32(file, at + 8), le32(file, at + 12), {}};
    EXPECT_LE(at + 16 + r.kept, file.size()) << "truncated record data";
    if (at + 16 + r.kept > file.size()) break;
    r.bytes.assign(file.begin() + static_cast<std::ptrdiff_t>(at + 16),
                   file.begin() + static_cast<std::ptrdiff_t>(at + 16 + r.kept));
    records.push_back(std::move(r));
    at += 16 + r.kept;
  }
  return records;
}

/// The bytes of test frame `id` as FakeDevice::inject() makes it; transmitted ones go the other way.
Bytes test_frame(std::uint32_t id, std::uint32_t len, bool transmitted = false) {
  Bytes bytes(len);
  Frame f{bytes.data(), 0, len, 0};
  const auto local = sluice::test::mac(1), peer = sluice::test::mac(2);
  sluice::test::fill_frame(f, transmitted ? peer : local, transmitted ? local : peer, id, len);
  return bytes;
}

struct Capture {
  FakeDeviceProbe probe;
  FakeDevice* fake = nullptr;
  Instant now{};
  int clock_reads = 0;
  std::unique_ptr<PcapDevice> device;

  Capture(const std::string& path, PcapOptions options = {}) {
    auto inner = std::make_unique<FakeDevice>(64, &probe);
    fake = inner.get();
    options.path = path;
    options.clock = [this] {
      ++clock_reads;
      return now;
    };
    device = std::make_unique<PcapDevice>(std::move(inner), std::move(options));
  }

  /// Transmits frames with the given ids and lengths in one burst; returns how many were accepted.
  std::size_t transmit(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& frames) {
    std::vector<Frame> batch;
    for (const auto& [id, len] : frames) {
      Frame f;
      EXPECT_EQ(device->allocate({&f, 1}), 1u);
      sluice::test::fill_frame(f, sluice::test::mac(2), sluice::test::mac(1), id, len);
      batch.push_back(f);
    }
    const std::size_t accepted = device->transmit(batch);
    device->release(std::span<const Frame>(batch).subspan(accepted));
    return accepted;
  }

  std::size_t receive_all() {
    return sluice::test::drain(*device, [](const Frame&) {});
  }
};

}  // namespace

TEST(PcapDevice, WritesReceivedAndTransmittedFramesWithNanosecondTimestamps) {
  TempPath file("pcap-ns");
  {
    PcapOptions options;
    options.snap_length = 100;
    Capture c(file.path, options);
    c.now = Instant{1'700'000'000'123'456'789};
    c.fake->inject(1, 60);
    c.fake->inject(2, 150);  // longer than the snap length
    EXPECT_EQ(c.receive_all(), 2u);
    c.now = Instant{1'700'000'001'000'000'007};
    c.fake->tx_room = 2;
    EXPECT_EQ(c.transmit({{3, 64}, {4, 1514}, {5, 80}}), 2u) << "the third is refused by the ring";
    EXPECT_EQ(c.clock_reads, 2) << "one clock read per burst";
    EXPECT_EQ(c.device->capture_counters().records, 4u);
    EXPECT_EQ(c.device->capture_counters().truncated, 2u);
    EXPECT_EQ(c.device->capture_counters().write_calls, 0u) << "nothing written before a flush";
    EXPECT_EQ(c.device->pool_available(), c.device->pool_capacity());
  }  // destruction writes the buffer

  const Bytes bytes = read_file(file.path);
  const Bytes header = {0x4d, 0x3c, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0,
                        0,    0,    0,    0,    100,  0,    0,    0,    1, 0, 0, 0};
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(Bytes(bytes.begin(), bytes.begin() + 24), header);
  const auto records = parse_records(bytes);
  ASSERT_EQ(records.size(), 4u);

  const std::uint32_t ids[] = {1, 2, 3, 4};
  const std::uint32_t lens[] = {60, 150, 64, 1514};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(records[i].seconds, i < 2 ? 1'700'000'000u : 1'700'000'001u);
    EXPECT_EQ(records[i].fraction, i < 2 ? 123'456'789u : 7u);
    EXPECT_EQ(records[i].original, lens[i]);
    EXPECT_EQ(records[i].kept, std::min(lens[i], 100u));
    Bytes expected = test_frame(ids[i], lens[i], i >= 2);
    expected.resize(records[i].kept);
    EXPECT_EQ(records[i].bytes, expected);
  }
  EXPECT_EQ(bytes.size(), 24u + 4 * 16 + 60 + 100 + 64 + 100);
}

TEST(PcapDevice, MicrosecondTimestampsUseTheClassicMagic) {
  TempPath file("pcap-us");
  {
    PcapOptions options;
    options.precision = TimestampPrecision::microseconds;
    Capture c(file.path, options);
    c.now = Instant{5'999'999'000};
    c.fake->inject(9, 64);
    c.receive_all();
  }
  const Bytes bytes = read_file(file.path);
  ASSERT_EQ(bytes.size(), 24u + 16 + 64);
  EXPECT_EQ(le32(bytes, 0), 0xa1b2c3d4u);
  EXPECT_EQ(le32(bytes, 16), 262144u) << "default snap length";
  const auto records = parse_records(bytes);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].seconds, 5u);
  EXPECT_EQ(records[0].fraction, 999'999u);
  EXPECT_EQ(records[0].bytes, test_frame(9, 64));
}

TEST(PcapDevice, FlushWritesAtMostOncePerIntervalAndAFullBufferAtOnce) {
  TempPath file("pcap-flush");
  PcapOptions options;
  options.flush_interval = Duration::millis(100);
  options.snap_length = 64;                     // else the buffer grows to hold one 256 KiB record
  options.buffer_bytes = 24 + 10 * (16 + 64);  // header plus ten 64-byte frames
  Capture c(file.path, options);
  c.now = Instant::from_millis(1000);
  for (std::uint32_t i = 0; i < 5; ++i) c.fake->inject(i, 64);
  c.receive_all();
  c.device->flush();  // starts the interval
  c.now = Instant::from_millis(1099);
  c.device->flush();
  EXPECT_EQ(c.device->capture_counters().write_calls, 0u);
  EXPECT_EQ(read_file(file.path).size(), 0u);
  c.now = Instant::from_millis(1100);
  c.device->flush();
  EXPECT_EQ(c.device->capture_counters().write_calls, 1u);
  EXPECT_EQ(read_file(file.path).size(), 24u + 5 * 80);

  c.device->flush();  // nothing buffered: no write
  for (std::uint32_t i = 0; i < 25; ++i) c.fake->inject(100 + i, 64);
  c.receive_all();
  EXPECT_EQ(c.device->capture_counters().write_calls, 3u) << "the buffer filled twice (10 records each)";
  EXPECT_EQ(read_file(file.path).size(), 24u + 25 * 80);
  c.device->flush_capture();
  EXPECT_EQ(read_file(file.path).size(), 24u + 30 * 80);
  EXPECT_EQ(parse_records(read_file(file.path)).size(), 30u);
  EXPECT_EQ(c.device->capture_counters().bytes_written, 24u + 30 * 80);
}

TEST(PcapDevice, ALargeTransmitBurstIsRecordedAcrossBufferWrites) {
  TempPath file("pcap-burst");
  PcapOptions options;
  options.snap_length = 64;
  options.buffer_bytes = 1000;  // room for 12 records of 64 bytes
  Capture c(file.path, options);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> frames;
  for (std::uint32_t i = 0; i < 40; ++i) frames.emplace_back(i, 64);
  c.fake->tx_room = 30;
  EXPECT_EQ(c.transmit(frames), 30u);
  EXPECT_EQ(c.device->capture_counters().write_calls, 2u) << "header + 12 records, then 12 more; the last 6 of 12 were refused";
  c.device->flush_capture();
  const auto records = parse_records(read_file(file.path));
  ASSERT_EQ(records.size(), 30u);
  for (std::uint32_t i = 0; i < 30; ++i) EXPECT_EQ(sluice::wire::load_be32(records[i].bytes.data() + 14), i);
  EXPECT_EQ(c.device->capture_counters().records, 30u);
  EXPECT_EQ(c.probe.transmitted.size(), 30u);
}

TEST(PcapDevice, WriteErrorsAreCountedNotThrown) {
  PcapOptions options;
  options.path = "/dev/full";
  options.clock = [] { return Instant{}; };
  FakeDeviceProbe probe;
  auto inner = std::make_unique<FakeDevice>(8, &probe);
  auto* fake = inner.get();
  PcapDevice device(std::move(inner), options);
  fake->inject(1);
  sluice::test::drain(device, [](const Frame&) {});
  EXPECT_NO_THROW(device.flush_capture());
  EXPECT_EQ(device.capture_counters().write_errors, 1u);
  EXPECT_EQ(device.capture_counters().last_error, ENOSPC);
}

TEST(PcapDevice, OpenFailuresNameThePath) {
  PcapOptions options;
  options.path = "/nonexistent-dir/capture.pcap";
  FakeDeviceProbe probe;
  try {
    PcapDevice device(std::make_unique<FakeDevice>(8, &probe), options);
    FAIL() << "expected an error";
  } catch (const sluice::Error& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_EQ(std::string(e.what()),
              "pcap capture: cannot open \"/nonexistent-dir/capture.pcap\" for writing (does the directory exist and is "
              "it writable?): No such file or directory");
  }
  options.path = "/tmp/unused.pcap";
  options.snap_length = 0;
  try {
    PcapDevice device(std::make_unique<FakeDevice>(8, &probe), options);
    FAIL() << "expected an error";
  } catch (const sluice::Error& e) {
    EXPECT_EQ(e.code(), EINVAL);
    EXPECT_EQ(std::string(e.what()), "pcap capture \"/tmp/unused.pcap\": snap length 0 is outside [1, 262144]");
  }
}

namespace {

/// The few libpcap entry points the reader check needs, loaded at run time so the build does not
/// depend on libpcap; struct layouts are libpcap's stable ABI.
struct LibPcap {
  struct Header {
    timeval ts;
    std::uint32_t caplen;
    std::uint32_t len;
  };
  void* handle = nullptr;
  void* (*open_offline)(const char*, unsigned, char*) = nullptr;
  int (*next_ex)(void*, Header**, const unsigned char**) = nullptr;
  int (*datalink)(void*) = nullptr;
  int (*snapshot)(void*) = nullptr;
  void (*close)(void*) = nullptr;

  LibPcap() {
    for (const char* name : {"libpcap.so.0.8", "libpcap.so.1", "libpcap.so"}) {
      if ((handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
    }
    if (handle == nullptr) return;
    open_offline = reinterpret_cast<decltype(open_offline)>(::dlsym(handle, "pcap_open_offline_with_tstamp_precision"));
    next_ex = reinterpret_cast<decltype(next_ex)>(::dlsym(handle, "pcap_next_ex"));
    datalink = reinterpret_cast<decltype(datalink)>(::dlsym(handle, "pcap_datalink"));
    snapshot = reinterpret_cast<decltype(snapshot)>(::dlsym(handle, "pcap_snapshot"));
    close = reinterpret_cast<decltype(close)>(::dlsym(handle, "pcap_close"));
  }
  ~LibPcap() {
    if (handle != nullptr) ::dlclose(handle);
  }
  bool usable() const { return open_offline && next_ex && datalink && snapshot && close; }
};

constexpr unsigned kPcapNanosecondPrecision = 1;  // PCAP_TSTAMP_PRECISION_NANO
constexpr int kDltEthernet = 1;                   // DLT_EN10MB

}  // namespace

TEST(PcapDevice, LibpcapReadsTheFileBackIdentically) {
  LibPcap libpcap;
  if (!libpcap.usable()) {
    GTEST_SKIP() << "libpcap is not installed (no libpcap.so.0.8/.so.1); the in-test parser (PcapDevice.Writes*) "
                    "is the real check";
  }
  TempPath file("pcap-libpcap");
  {
    PcapOptions options;
    options.snap_length = 96;
    Capture c(file.path, options);
    c.now = Instant{1'700'000'000'000'000'042};
    for (std::uint32_t i = 0; i < 3; ++i) c.fake->inject(i, 60 + 40 * i);
    c.receive_all();
  }
  char error[256] = {};
  void* pcap = libpcap.open_offline(file.path.c_str(), kPcapNanosecondPrecision, error);
  ASSERT_NE(pcap, nullptr) << error;
  EXPECT_EQ(libpcap.datalink(pcap), kDltEthernet);
  EXPECT_EQ(libpcap.snapshot(pcap), 96);
  LibPcap::Header* header = nullptr;
  const unsigned char* data = nullptr;
  for (std::uint32_t i = 0; i < 3; ++i) {
    ASSERT_EQ(libpcap.next_ex(pcap, &header, &data), 1) << "record " << i;
    EXPECT_EQ(header->ts.tv_sec, 1'700'000'000);
    EXPECT_EQ(header->ts.tv_usec, 42) << "nanoseconds, as asked";
    EXPECT_EQ(header->len, 60 + 40 * i);
    EXPECT_EQ(header->caplen, std::min(60 + 40 * i, 96u));
    Bytes expected = test_frame(i, 60 + 40 * i);
    expected.resize(header->caplen);
    EXPECT_EQ(Bytes(data, data + header->caplen), expected);
  }
  EXPECT_EQ(libpcap.next_ex(pcap, &header, &data), -2) << "end of file";
  libpcap.close(pcap);
}

TEST(PcapDevice, TcpdumpOrTsharkReadsTheFileWhenInstalled) {
  const bool tcpdump = std::system("command -v tcpdump >/dev/null 2>&1") == 0;
  const bool tshark = std::system("command -v tshark >/dev/null 2>&1") == 0;
  if (!tcpdump && !tshark) {
    GTEST_SKIP() << "neither tcpdump nor tshark is installed (not by default); libpcap and the in-test parser "
                    "(PcapDevice.Libpcap*, PcapDevice.Writes*) are the checks";
  }
  TempPath file("pcap-reader");
  {
    Capture c(file.path);
    c.now = Instant{1'700'000'000'000'000'000};
    for (std::uint32_t i = 0; i < 3; ++i) c.fake->inject(i, 64);
    c.receive_all();
  }
  // One summary line per packet starts with its time of day; continuation lines are indented.
  const std::string command = tcpdump ? "tcpdump -nn -r " + file.path + " 2>/dev/null | grep -c '^[0-9][0-9]:'"
                                      : "tshark -r " + file.path + " 2>/dev/null | wc -l";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[64] = {};
  ASSERT_NE(std::fgets(line, sizeof line, pipe), nullptr);
  ::pclose(pipe);
  EXPECT_EQ(std::stoi(line), 3) << command;
}
