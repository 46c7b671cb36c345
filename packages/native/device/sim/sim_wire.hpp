#pragma once
// An in-process wire connecting SimDevice endpoints, for deterministic simulation of the whole
// stack. Topology: a full mesh of directed point-to-point links with a static MAC table (no
// learning, no flooding of unknown unicast). A transmitted frame goes to the endpoint whose MAC
// matches its destination, or, for broadcast and multicast, to every other endpoint; each copy
// then travels its own link (sender -> receiver), which has its own queue, delay and seeded fault
// model. Unknown unicast is dropped and counted at the sender.
//
// Time is passed in: transmit() happens at the time of the last advance(); advance(now) delivers
// everything due by `now`. Equal delivery times keep transmit order, so a run is a pure function
// of the seed, the configuration and the sequence of calls.
//
// No allocation per frame: in-flight frames live in fixed slots allocated at construction; when
// they run out, frames are dropped and counted (in_flight_full).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "device/fixed_queue.hpp"
#include "device/sim/link.hpp"
#include "device/sim/random.hpp"
#include "device/sim/sim_device.hpp"
#include "util/time.hpp"

namespace sluice::device::sim {

struct SimWireConfig {
  std::uint64_t seed = 1;
  std::uint32_t in_flight_frames = 4096;  ///< frames the wire can hold between send and delivery
  std::uint32_t max_frame_len = 2048;     ///< bytes per in-flight slot; endpoints need mtu + 14 <= it
  LinkConfig default_link{};              ///< for every link until configure_link() says otherwise
};

class SimWire {
 public:
  explicit SimWire(const SimWireConfig& config = {});
  ~SimWire();
  SimWire(const SimWire&) = delete;
  SimWire& operator=(const SimWire&) = delete;

  /// Adds an endpoint. Throws sluice::Error(EINVAL) when its MAC is taken or its MTU does not fit.
  /// The endpoint may outlive the wire (it then drops what it transmits) and vice versa.
  std::unique_ptr<SimDevice> attach(const SimEndpointConfig& config);

  /// Sets one direction of the link from `from` to `to`.
  void configure_link(const SimDevice& from, const SimDevice& to, const LinkConfig& config);
  /// Sets every existing link and the default for endpoints attached later.
  void configure_all_links(const LinkConfig& config);

  /// Delivers every frame due by `now` into its receiver's queue; returns how many were delivered.
  /// Time never goes back: an earlier `now` delivers nothing and keeps the current time. To drain
  /// the wire, loop on advance(next_delivery()); advance(Instant::never()) would end time itself.
  std::size_t advance(Instant now);
  /// Earliest pending delivery, or Instant::never() when nothing is in flight.
  Instant next_delivery() const { return heap_.empty() ? Instant::never() : heap_.front().deliver_at; }
  Instant now() const { return now_; }
  std::size_t in_flight() const { return heap_.size(); }

  const LinkCounters& link_counters(const SimDevice& from, const SimDevice& to) const;
  /// Sum over all links.
  LinkCounters total_counters() const;

 private:
  friend class SimDevice;

  struct Link {
    LinkConfig config;
    Random random;
    LinkCounters counters{};
    Instant transmitter_free_at{};
    Instant last_in_order_delivery{};
    FixedQueue<Instant> serialisation_ends;  ///< frames queued or serialising: when each is sent

    Link(const LinkConfig& c, std::uint64_t seed) : config(c), random(seed), serialisation_ends(c.queue_frames) {}
  };

  struct InFlight {
    Instant deliver_at;
    std::uint64_t sequence;  ///< transmit order, breaks ties between equal delivery times
    std::uint32_t slot;
    std::uint32_t len;
    std::uint32_t from;
    std::uint32_t to;
  };

  struct Endpoint {
    SimDevice* device = nullptr;  ///< null once the endpoint is destroyed
    wire::MacAddress mac;
    std::vector<Link> links;  ///< indexed by receiving endpoint id
  };

  void transmit_from(std::uint32_t from, std::span<const std::uint8_t> frame);
  void send_on_link(std::uint32_t from, std::uint32_t to, std::span<const std::uint8_t> frame);
  /// Admits a frame to the link's bandwidth queue; returns when its last bit leaves, or never()
  /// when the queue is full.
  Instant serialise(Link& link, std::size_t len);
  /// Copies a frame into a free in-flight slot and schedules it; returns the copy, or null when
  /// every slot is taken.
  std::uint8_t* enqueue(Instant deliver_at, std::uint32_t from, std::uint32_t to, std::span<const std::uint8_t> frame);
  void detach(std::uint32_t id);
  Link& link(std::uint32_t from, std::uint32_t to) { return endpoints_[from].links[to]; }
  std::uint64_t link_seed(std::uint32_t from, std::uint32_t to) const;

  SimWireConfig config_;
  Instant now_{};
  std::uint64_t next_sequence_ = 0;
  std::vector<Endpoint> endpoints_;
  std::vector<std::uint8_t> slot_memory_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<InFlight> heap_;  ///< min-heap on (deliver_at, sequence); capacity fixed at construction
};

}  // namespace sluice::device::sim
