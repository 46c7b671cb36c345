#include "libos/operation_table.hpp"

namespace sluice::libos {

OperationTable::OperationTable(std::uint32_t capacity) : slots_(capacity), free_(capacity) {
  for (std::uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;
}

std::uint32_t OperationTable::acquire() {
  if (free_.empty()) return kNoSlot;
  const std::uint32_t slot = free_.back();
  free_.pop_back();
  Operation& op = slots_[slot];
  op.state = Operation::State::pending;
  op.prev = op.next = kNoSlot;
  op.progress = 0;
  op.to = {};
  op.result = {};
  ++in_use_;
  return slot;
}

void OperationTable::release(std::uint32_t slot) {
  Operation& op = slots_[slot];
  op.state = Operation::State::free;
  // Generations stay below 2^31 so a token is always a positive int64.
  op.generation = op.generation >= 0x7fffffffu ? 1 : op.generation + 1;
  free_.push_back(slot);  // capacity reserved by the constructor: never reallocates
  --in_use_;
}

std::uint32_t OperationTable::slot_of(sl_qtoken_t token) const {
  if (token <= 0) return kNoSlot;
  const auto raw = static_cast<std::uint64_t>(token);
  const std::uint64_t index = (raw & 0xffffffffu);
  if (index == 0 || index > slots_.size()) return kNoSlot;
  const Operation& op = slots_[index - 1];
  if (op.state == Operation::State::free || op.generation != raw >> 32) return kNoSlot;
  return static_cast<std::uint32_t>(index - 1);
}

void OperationTable::push_back(OperationList& list, std::uint32_t slot) {
  Operation& op = slots_[slot];
  op.prev = list.tail;
  op.next = kNoSlot;
  if (list.tail != kNoSlot) {
    slots_[list.tail].next = slot;
  } else {
    list.head = slot;
  }
  list.tail = slot;
  ++list.size;
}

void OperationTable::remove(OperationList& list, std::uint32_t slot) {
  Operation& op = slots_[slot];
  if (op.prev != kNoSlot) {
    slots_[op.prev].next = op.next;
  } else {
    list.head = op.next;
  }
  if (op.next != kNoSlot) {
    slots_[op.next].prev = op.prev;
  } else {
    list.tail = op.prev;
  }
  op.prev = op.next = kNoSlot;
  --list.size;
}

}  // namespace sluice::libos
