// Two whole stack instances over the simulated wire, in virtual time: a bulk transfer in both
// directions at once under loss, reordering, duplication, corruption and delay, over a bandwidth-
// limited link with a tail-drop queue. Every byte must arrive in order and intact, both sides must
// close cleanly (through TIME-WAIT to CLOSED), and every frame and buffer must be back in its pool.
// A failing run names its seed, and the same seed replays it exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "device/sim/sim_wire.hpp"
#include "runtime/stack_instance.hpp"
#include "support/allocation_counter.hpp"

using namespace sluice;
using socket::tcp::TcpEventKind;
using socket::tcp::TcpState;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t transfer_bytes = 4 * 1024 * 1024;  // ASan is several times slower: same grid, less data
#else
constexpr std::uint64_t transfer_bytes = 16 * 1024 * 1024;
#endif

const wire::MacAddress server_mac{{0x02, 0, 0, 0, 0, 0x01}};
const wire::MacAddress client_mac{{0x02, 0, 0, 0, 0, 0x02}};
const wire::Ipv4Address server_ip = wire::Ipv4Address::from_octets(198, 18, 0, 1);
const wire::Ipv4Address client_ip = wire::Ipv4Address::from_octets(198, 18, 0, 2);
constexpr std::uint16_t port = 5001;

/// The bytes of a stream: a table with a prime period, so a segment put at the wrong offset
/// cannot match by accident. Direction picks the phase.
class StreamPattern {
 public:
  static constexpr std::size_t period = 65521;
  StreamPattern() : bytes_(2 * period) {
    std::uint64_t state = 0x243f6a8885a308d3u;
    for (std::size_t i = 0; i < period; ++i) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      bytes_[i] = bytes_[i + period] = static_cast<std::uint8_t>(state >> 56);
    }
  }
  /// Up to `max` bytes of the stream from `offset`, contiguous in the table.
  std::span<const std::uint8_t> at(std::uint64_t offset, std::size_t max) const {
    return {bytes_.data() + offset % period, std::min<std::size_t>(max, period)};
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

const StreamPattern& pattern_table() {
  static const StreamPattern table;
  return table;
}

struct LinkSpec {
  double loss = 0;
  double reorder = 0;
  double duplicate = 0;
  double corrupt = 0;
  Duration delay = Duration::micros(50);
};

std::string describe(std::uint64_t seed, const LinkSpec& link) {
  std::ostringstream out;
  out << "seed " << seed << " (loss " << link.loss << ", reorder " << link.reorder << ", duplicate " << link.duplicate
      << ", corrupt " << link.corrupt << ", delay " << link.delay.nanos / 1000 << " us); replay with "
      << "run_transfer(" << seed << ", link)";
  return out.str();
}

iface::InterfaceConfig stack_config(const wire::MacAddress& mac, wire::Ipv4Address address) {
  iface::InterfaceConfig config;
  config.mac = mac;
  config.address = address;
  config.tcp_connections = 4;
  config.tcp_buffer_pairs = 4;
  config.tcp.time_wait = Duration::seconds(1);
  config.tcp.max_syn_retransmissions = 12;  // 20% loss each way must not end a run in the handshake
  config.seed = address.value;
  return config;
}

/// One end of the bulk transfer: sends `transfer_bytes` of its direction's stream, reads and checks
/// the other direction, shuts down when done sending, and gives the id back once the connection
/// has reached TIME-WAIT or CLOSED.
struct StreamPeer {
  runtime::StackInstance* stack = nullptr;
  int socket = -1;
  std::uint64_t send_phase = 0;
  std::uint64_t receive_phase = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool connected = false;
  bool shut_down = false;
  bool end_of_stream = false;
  bool released = false;
  TcpState final_state = TcpState::established;
  socket::tcp::TcpConnectionCounters counters{};
  std::string failure;
  std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(64 * 1024);

  void pump(Instant now) {
    iface::Interface& stack_iface = stack->interface();
    if (released || socket < 0 || !connected) return;
    while (sent < transfer_bytes) {
      const auto chunk = pattern_table().at(sent + send_phase, transfer_bytes - sent);
      const long n = stack_iface.tcp_send(now, socket, chunk);
      if (n <= 0) break;
      sent += static_cast<std::uint64_t>(n);
    }
    if (sent == transfer_bytes && !shut_down) {
      shut_down = true;
      stack_iface.tcp_shutdown(now, socket);
    }
    for (;;) {
      const long n = stack_iface.tcp_receive(socket, scratch);
      if (n == 0) {
        end_of_stream = true;
        break;
      }
      if (n < 0) {
        if (n != -EAGAIN) failure = "receive failed with errno " + std::to_string(-n);
        break;
      }
      check(static_cast<std::size_t>(n));
    }
    const TcpState state = stack_iface.tcp_state(socket);
    if (shut_down && end_of_stream && (state == TcpState::time_wait || state == TcpState::closed)) {
      final_state = state;
      counters = stack_iface.tcp_connection(socket)->counters();
      stack_iface.tcp_close(now, socket);
      released = true;
    }
  }

  void check(std::size_t n) {
    std::size_t done = 0;
    while (done < n && failure.empty()) {
      const auto expected = pattern_table().at(received + receive_phase, n - done);
      if (std::memcmp(scratch.data() + done, expected.data(), expected.size()) != 0) {
        failure = "stream corrupted near byte " + std::to_string(received);
      }
      done += expected.size();
      received += expected.size();
    }
    if (received > transfer_bytes) failure = "more bytes than were sent";
  }
};

struct TransferOutcome {
  std::uint64_t server_received = 0;
  std::uint64_t client_received = 0;
  std::uint64_t segments = 0;
  std::uint64_t retransmitted = 0;
  std::uint64_t virtual_micros = 0;
  friend bool operator==(const TransferOutcome&, const TransferOutcome&) = default;
};

class TcpTestbed {
 public:
  TcpTestbed(std::uint64_t seed, const LinkSpec& spec) : wire_({.seed = seed}) {
    server_ = std::make_unique<runtime::StackInstance>(wire_.attach({.name = "server", .mac = server_mac}),
                                                       stack_config(server_mac, server_ip));
    client_ = std::make_unique<runtime::StackInstance>(wire_.attach({.name = "client", .mac = client_mac}),
                                                       stack_config(client_mac, client_ip));
    device::sim::LinkConfig link;
    link.delay = spec.delay;
    link.jitter = Duration::micros(5);
    link.drop = spec.loss;
    link.reorder = spec.reorder;
    link.reorder_window = Duration::micros(200);
    link.duplicate = spec.duplicate;
    link.corrupt = spec.corrupt;
    link.bits_per_second = 1'000'000'000;
    link.queue_frames = 128;
    wire_.configure_all_links(link);
    server_peer_.stack = server_.get();
    server_peer_.send_phase = 17;
    server_peer_.receive_phase = 0;
    client_peer_.stack = client_.get();
    client_peer_.send_phase = 0;
    client_peer_.receive_phase = 17;
  }

  bool start() {
    listener_ = server_->interface().tcp_listen({wire::Ipv4Address{}, port}, 8);
    client_peer_.socket = client_->interface().tcp_connect(now_, {server_ip, port});
    return listener_ >= 0 && client_peer_.socket >= 0;
  }

  bool finished() const {
    return server_peer_.released && client_peer_.released && server_->interface().tcp_connections_in_use() == 0 &&
           client_->interface().tcp_connections_in_use() == 0;
  }

  /// Steps in virtual time, jumping to the next delivery or timer, until `until()` holds, a peer
  /// fails, nothing is left to happen, or `limit` passes; false (with `why`) unless `until()` held.
  template <typename Until>
  bool run_until(Duration limit, std::string& why, Until&& until) {
    const Instant end = now_ + limit;
    while (now_ < end) {
      step();
      if (!server_peer_.failure.empty() || !client_peer_.failure.empty()) {
        why = "server: " + server_peer_.failure + "; client: " + client_peer_.failure;
        return false;
      }
      if (data_done_at_.is_never() && server_peer_.received == transfer_bytes &&
          client_peer_.received == transfer_bytes) {
        data_done_at_ = now_;
      }
      if (until()) return true;
      const Instant next = std::min({wire_.next_delivery(), server_->interface().next_deadline(),
                                     client_->interface().next_deadline()});
      if (next.is_never()) {
        why = "deadlock: nothing in flight and no timer armed";
        return false;
      }
      now_ = std::max(next, now_ + Duration{1});
    }
    why = "did not finish within the virtual time limit";
    return false;
  }

  /// The whole transfer and close, from start().
  bool run(Duration limit, std::string& why) {
    if (!start()) {
      why = "listen or connect failed";
      return false;
    }
    return run_until(limit, why, [this] { return finished(); });
  }

  void step() {
    wire_.advance(now_);
    for (runtime::StackInstance* stack : {server_.get(), client_.get()}) {
      while (stack->receive(now_) == runtime::StackInstance::kRxBurst) {
      }
    }
    handle_events();
    server_peer_.pump(now_);
    client_peer_.pump(now_);
    server_->finish(now_);
    client_->finish(now_);
  }

  void handle_events() {
    iface::TcpEvent event;
    while (server_->interface().tcp_next_event(event)) {
      if (event.kind == TcpEventKind::acceptable) {
        const int id = server_->interface().tcp_accept(listener_);
        if (id >= 0) {
          server_peer_.socket = id;
          server_peer_.connected = true;
        }
      }
      if (event.kind == TcpEventKind::reset || event.kind == TcpEventKind::error) {
        server_peer_.failure = "server socket failed with errno " + std::to_string(event.error);
      }
    }
    while (client_->interface().tcp_next_event(event)) {
      if (event.kind == TcpEventKind::connected) client_peer_.connected = true;
      if (event.kind == TcpEventKind::reset || event.kind == TcpEventKind::error) {
        client_peer_.failure = "client socket failed with errno " + std::to_string(event.error);
      }
    }
  }

  /// Drains the wire and hands every cached frame back to its pool.
  void drain() {
    server_->interface().tcp_close(now_, listener_);
    for (int i = 0; i < 100 && !wire_.next_delivery().is_never(); ++i) {
      now_ = wire_.next_delivery();
      step();
    }
    server_->frame_io().return_cached();
    client_->frame_io().return_cached();
  }

  TransferOutcome outcome() const {
    TransferOutcome out;
    out.server_received = server_peer_.received;
    out.client_received = client_peer_.received;
    out.segments = server_->interface().tcp_counters().tx_segments + client_->interface().tcp_counters().tx_segments;
    out.virtual_micros = now_.nanos / 1000;
    return out;
  }

  device::sim::SimWire wire_;
  std::unique_ptr<runtime::StackInstance> server_;
  std::unique_ptr<runtime::StackInstance> client_;
  StreamPeer server_peer_;
  StreamPeer client_peer_;
  int listener_ = -1;
  Instant now_{};
  Instant data_done_at_ = Instant::never();  ///< when both directions had all their bytes
};

TransferOutcome run_transfer(std::uint64_t seed, const LinkSpec& link) {
  const std::string context = describe(seed, link);
  TcpTestbed bed(seed, link);
  std::string why;
  const bool finished = bed.run(Duration::seconds(3600), why);
  EXPECT_TRUE(finished) << why << "; " << context << "; received " << bed.server_peer_.received << " / "
                        << bed.client_peer_.received << " at " << bed.now_.nanos / 1000000 << " ms virtual";
  if (!finished) {
    for (runtime::StackInstance* stack : {bed.server_.get(), bed.client_.get()}) {
      for (int id = 0; id < 4; ++id) {
        const auto* c = stack->interface().tcp_connection(id);
        if (c == nullptr) continue;
        const auto& k = c->counters();
        std::printf("state %s sent %llu rtx %llu timeouts %llu fr %llu cwnd %u ssthresh %u rto %llu ms backoff %u "
                    "snd_wnd %u flight %u\n",
                    socket::tcp::tcp_state_name(c->state()), (unsigned long long)k.segments_sent,
                    (unsigned long long)k.segments_retransmitted, (unsigned long long)k.timeouts,
                    (unsigned long long)k.fast_recoveries, c->congestion().cwnd(), c->congestion().ssthresh(),
                    (unsigned long long)c->rtt().base_rto().nanos / 1000000, c->rtt().backoff(), c->send_window(),
                    (unsigned)(c->snd_nxt() - c->snd_una()));
      }
    }
  }
  EXPECT_EQ(bed.server_peer_.received, transfer_bytes) << context;
  EXPECT_EQ(bed.client_peer_.received, transfer_bytes) << context;
  EXPECT_EQ(bed.server_peer_.sent, transfer_bytes) << context;
  for (const StreamPeer* peer : {&bed.server_peer_, &bed.client_peer_}) {
    EXPECT_TRUE(peer->final_state == TcpState::time_wait || peer->final_state == TcpState::closed)
        << "ended in " << socket::tcp::tcp_state_name(peer->final_state) << "; " << context;
  }
  const TransferOutcome outcome = bed.outcome();
  bed.drain();
  for (runtime::StackInstance* stack : {bed.server_.get(), bed.client_.get()}) {
    EXPECT_EQ(stack->device().pool_available(), stack->device().pool_capacity()) << "frames leaked; " << context;
    EXPECT_EQ(stack->interface().tcp_connections_in_use(), 0u) << context;
    EXPECT_EQ(stack->interface().tcp_buffers_available(), 4u) << "buffers leaked; " << context;
  }
  return outcome;
}

}  // namespace

TEST(TcpSimulation, BulkTransferBothWaysSurvivesTheFaultGrid) {
  const double losses[] = {0.0, 0.01, 0.05, 0.10, 0.20};
  std::uint64_t seed = 1000;
  for (const double loss : losses) {
    run_transfer(seed++, {.loss = loss});
    run_transfer(seed++, {.loss = loss, .reorder = 0.05, .duplicate = 0.02, .delay = Duration::micros(200)});
    run_transfer(seed++, {.loss = loss, .delay = Duration::millis(2)});  // BDP beyond the 256 KiB window
  }
  run_transfer(seed++, {.loss = 0.02, .corrupt = 0.01});  // checksums must catch every flipped bit
}

TEST(TcpSimulation, SameSeedSameRunOtherSeedOtherRun) {
  const LinkSpec link{.loss = 0.05, .reorder = 0.02};
  const TransferOutcome first = run_transfer(77, link);
  const TransferOutcome again = run_transfer(77, link);
  const TransferOutcome other = run_transfer(78, link);
  EXPECT_EQ(first, again) << "replaying seed 77 must give the same run";
  EXPECT_NE(first.virtual_micros, other.virtual_micros);
}

TEST(TcpSimulation, CleanLinkMeasuresSegmentsPerSecond) {
  TcpTestbed bed(5, {});
  std::string why;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(bed.run(Duration::seconds(60), why)) << why;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const TransferOutcome outcome = bed.outcome();
  EXPECT_EQ(outcome.server_received, transfer_bytes);
  // 2 x 16 MiB over a 1 Gbit/s link each way takes at least 134 ms of virtual time.
  EXPECT_GE(outcome.virtual_micros, transfer_bytes * 8 / 1000);
  for (const StreamPeer* peer : {&bed.server_peer_, &bed.client_peer_}) {
    const auto& c = peer->counters;
    std::printf("[ perf     ] sent %llu segments, %llu retransmitted, %llu timeouts, %llu fast recoveries, "
                "%llu dup acks, %llu pure acks, %llu delayed acks\n",
                static_cast<unsigned long long>(c.segments_sent),
                static_cast<unsigned long long>(c.segments_retransmitted),
                static_cast<unsigned long long>(c.timeouts), static_cast<unsigned long long>(c.fast_recoveries),
                static_cast<unsigned long long>(c.duplicate_acks), static_cast<unsigned long long>(c.pure_acks_sent),
                static_cast<unsigned long long>(c.delayed_acks));
  }
  const double transfer_ms = static_cast<double>(bed.data_done_at_.nanos) / 1e6;
  std::printf("[ perf     ] %llu segments (both stacks, both directions) in %.3f s wall: %.0f segments/s, "
              "%.0f ns per segment; data done at %.1f ms virtual (%.0f Mbit/s each way), closed at %.1f ms\n",
              static_cast<unsigned long long>(outcome.segments), seconds, outcome.segments / seconds,
              seconds * 1e9 / static_cast<double>(outcome.segments), transfer_ms,
              static_cast<double>(transfer_bytes) * 8 / (transfer_ms * 1e3), outcome.virtual_micros / 1000.0);
  bed.drain();
}

TEST(TcpSimulation, SteadyStateTransferAllocatesNothing) {
  TcpTestbed bed(11, {.loss = 0.01, .reorder = 0.01});
  std::string why;
  ASSERT_TRUE(bed.start());
  ASSERT_TRUE(bed.run_until(Duration::seconds(60), why, [&] { return bed.client_peer_.received >= transfer_bytes / 8; }))
      << why;
  test::AllocationCounter::start();
  const bool reached = bed.run_until(Duration::seconds(60), why, [&] {
    return bed.client_peer_.received >= transfer_bytes / 2 && bed.server_peer_.received >= transfer_bytes / 2;
  });
  const std::uint64_t allocations = test::AllocationCounter::stop();
  ASSERT_TRUE(reached) << why;
  EXPECT_EQ(allocations, 0u) << "connections, timers, recovery and reassembly run on memory sized at construction";
  ASSERT_TRUE(bed.run_until(Duration::seconds(600), why, [&] { return bed.finished(); })) << why;
  bed.drain();
}
