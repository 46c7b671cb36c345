#include "device/afxdp/afxdp_device.hpp"

#include <linux/if_xdp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "device/libbpf_messages.hpp"

namespace sluice::device::afxdp {

namespace {
// The kernel's copy-mode transmit handles at most this many descriptors per sendto() and answers
// EAGAIN when more are left; a flush kicks again until the ring drains or this bound is reached.
constexpr std::uint32_t copy_mode_tx_batch = 32;
}  // namespace

AfXdpDevice::AfXdpDevice(std::unique_ptr<BoundSocket> bound, DeviceInfo info)
    : bound_(std::move(bound)),
      info_(std::move(info)),
      fd_(xsk_socket__fd(bound_->socket)),
      // Half the frames at most, so transmit always has frames to allocate.
      fill_target_(std::min<std::uint32_t>(umem().ring_size(), static_cast<std::uint32_t>(umem().pool().capacity() / 2))),
      refill_batch_(std::max<std::uint32_t>(1, std::min<std::uint32_t>(64, fill_target_ / 4))),
      kept_(umem().pool().capacity(), 0),
      kept_done_(umem().pool().capacity()) {
  refill();
}

BoundSocket::~BoundSocket() {
  // The socket first: libxdp detaches its XDP program when the last socket on the interface goes,
  // and the UMEM cannot be deleted while a socket still uses it.
  LibbpfMessageCapture quiet;  // detaching logs warnings (no bpffs) that would only be noise here
  if (socket != nullptr) xsk_socket__delete(socket);
  umem.reset();
}

AfXdpDevice::~AfXdpDevice() = default;

const DeviceCounters& AfXdpDevice::counters() const {
  xdp_statistics stats{};
  socklen_t len = sizeof stats;
  if (::getsockopt(fd_, SOL_XDP, XDP_STATISTICS, &stats, &len) == 0) {
    counters_.rx_dropped = stats.rx_dropped + stats.rx_ring_full + stats.rx_invalid_descs;
    counters_.fill_ring_empty = stats.rx_fill_ring_empty_descs;
    counters_.tx_dropped = stats.tx_invalid_descs;
  }
  return counters_;
}

Frame AfXdpDevice::frame_at(std::uint64_t addr, std::uint32_t len) const {
  const std::uint32_t frame_size = umem().frame_size();
  const std::uint64_t frame_start = addr - addr % frame_size;
  return {umem().area() + addr, len, static_cast<std::uint32_t>(frame_start + frame_size - addr), frame_start};
}

void AfXdpDevice::give_back(std::uint64_t addr, bool kept) {
  FramePool& pool = umem().pool();
  if (kept) {
    kept_done_.push(frame_at(addr, 0));  // holds every UMEM frame: cannot overflow
  } else {
    pool.give(pool.index_of_offset(addr));
  }
}

void AfXdpDevice::refill() {
  const std::uint32_t missing = fill_target_ - lent_for_receive_;
  if (missing == 0 || (missing < refill_batch_ && lent_for_receive_ > 0)) return;
  FramePool& pool = umem().pool();
  const std::uint32_t count = std::min<std::uint32_t>(missing, static_cast<std::uint32_t>(pool.available()));
  if (count == 0) return;
  std::uint32_t slot = 0;
  // Cannot fall short: frames lent for receive never exceed the fill ring's size.
  if (xsk_ring_prod__reserve(&umem().fill(), count, &slot) != count) return;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t index = 0;
    pool.take(index);
    *xsk_ring_prod__fill_addr(&umem().fill(), slot + i) = pool.offset(index);
  }
  xsk_ring_prod__submit(&umem().fill(), count);
  lent_for_receive_ += count;
}

void AfXdpDevice::wake_receive_if_needed() {
  if (!bound_->need_wakeup || !xsk_ring_prod__needs_wakeup(&umem().fill())) return;
  ::recvfrom(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
  ++counters_.wakeups;
}

std::size_t AfXdpDevice::receive(std::span<Frame> out) {
  std::uint32_t slot = 0;
  const std::uint32_t count = xsk_ring_cons__peek(&bound_->rx, static_cast<std::uint32_t>(out.size()), &slot);
  if (count == 0) {
    refill();
    wake_receive_if_needed();
    return 0;
  }
  std::uint64_t bytes = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const xdp_desc* desc = xsk_ring_cons__rx_desc(&bound_->rx, slot + i);
    out[i] = frame_at(desc->addr, desc->len);
    bytes += desc->len;
  }
  xsk_ring_cons__release(&bound_->rx, count);
  lent_for_receive_ -= count;
  counters_.rx_packets += count;
  counters_.rx_bytes += bytes;
  refill();
  return count;
}

std::size_t AfXdpDevice::allocate(std::span<Frame> out) {
  FramePool& pool = umem().pool();
  if (pool.available() < out.size()) reap_completions();
  std::size_t given = 0;
  for (; given < out.size(); ++given) {
    std::uint32_t index = 0;
    if (!pool.take(index)) break;
    out[given] = {pool.address(index), 0, pool.frame_size(), pool.offset(index)};
  }
  if (given < out.size()) ++counters_.alloc_failures;
  return given;
}

std::size_t AfXdpDevice::transmit(std::span<const Frame> frames) {
  if (frames.empty()) return 0;
  const auto wanted = static_cast<std::uint32_t>(frames.size());
  const std::uint32_t count = std::min(wanted, xsk_prod_nb_free(&bound_->tx, wanted));
  counters_.tx_ring_full += wanted - count;
  if (count == 0) return 0;
  std::uint32_t slot = 0;
  xsk_ring_prod__reserve(&bound_->tx, count, &slot);
  std::uint64_t bytes = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    xdp_desc* desc = xsk_ring_prod__tx_desc(&bound_->tx, slot + i);
    desc->addr = static_cast<std::uint64_t>(frames[i].data - umem().area());
    desc->len = frames[i].len;
    desc->options = 0;
    bytes += frames[i].len;
    if (frames[i].kept) kept_[umem().pool().index_of_offset(frames[i].handle)] = 1;
  }
  xsk_ring_prod__submit(&bound_->tx, count);
  in_flight_tx_ += count;
  unkicked_tx_ += count;
  counters_.tx_packets += count;
  counters_.tx_bytes += bytes;
  return count;
}

void AfXdpDevice::release(std::span<const Frame> frames) {
  for (const Frame& frame : frames) give_back(frame.handle, frame.kept);
}

void AfXdpDevice::flush() {
  if (unkicked_tx_ > 0) kick_transmit();
  reap_completions();
}

void AfXdpDevice::kick_transmit() {
  // Zero-copy drivers that do not ask for a wakeup transmit on their own.
  if (bound_->zero_copy && bound_->need_wakeup && !xsk_ring_prod__needs_wakeup(&bound_->tx)) {
    unkicked_tx_ = 0;
    return;
  }
  const std::uint32_t max_kicks = bound_->zero_copy ? 1 : unkicked_tx_ / copy_mode_tx_batch + 2;
  for (std::uint32_t kick = 0; kick < max_kicks; ++kick) {
    const ssize_t rc = ::sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0);
    ++counters_.kicks;
    if (rc >= 0 || bound_->zero_copy) {
      unkicked_tx_ = 0;
      return;
    }
    // EAGAIN: more descriptors left than one kick sends, or the completion ring is full.
    // EBUSY/ENOBUFS/ENETDOWN: transient; the descriptors stay queued for the next flush.
    if (errno != EAGAIN) return;
    reap_completions();
  }
}

void AfXdpDevice::reap_completions() {
  if (in_flight_tx_ == 0) return;
  std::uint32_t slot = 0;
  const std::uint32_t count = xsk_ring_cons__peek(&umem().completion(), in_flight_tx_, &slot);
  if (count == 0) return;
  const FramePool& pool = umem().pool();
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t addr = *xsk_ring_cons__comp_addr(&umem().completion(), slot + i);
    std::uint8_t& kept = kept_[pool.index_of_offset(addr)];
    give_back(addr, kept != 0);
    kept = 0;
  }
  xsk_ring_cons__release(&umem().completion(), count);
  in_flight_tx_ -= count;
}

}  // namespace sluice::device::afxdp
