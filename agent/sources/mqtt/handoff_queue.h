#pragma once
// HandoffQueue: a bounded FIFO that carries items from a library's callback thread (the
// producer, e.g. Paho's) to the input thread (the consumer). Push blocks while the queue is
// full, so a slow consumer slows the producer down — for MQTT that stops Paho reading the
// socket, and the broker holds QoS 1/2 messages. Close() ends blocking for good: Push then
// always appends (past capacity), so a shutdown can never deadlock with a blocked callback
// and nothing that was already taken from the network is thrown away. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace kedge::agent {

template <typename T>
class HandoffQueue {
 public:
  explicit HandoffQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Appends `item`, waiting while the queue is full and open. Returns true when the queue was
  // empty before (the consumer may want a wake-up).
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    if (items_.size() >= capacity_ && !closed_) {
      ++blocked_pushes_;
      ++waiting_;
      not_full_.wait(lock, [this] { return items_.size() < capacity_ || closed_; });
      --waiting_;
    }
    bool was_empty = items_.empty();
    items_.push_back(std::move(item));
    return was_empty;
  }

  // Moves up to `max` items, oldest first, to the end of *out; never blocks.
  size_t PopUpTo(size_t max, std::vector<T>* out) {
    size_t n = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (n < max && !items_.empty()) {
        out->push_back(std::move(items_.front()));
        items_.pop_front();
        ++n;
      }
    }
    if (n > 0) not_full_.notify_all();
    return n;
  }

  // Stops blocking producers, now and from now on.
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  // How many Push calls had to wait for room (back-pressure episodes), in total.
  uint64_t blocked_pushes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return blocked_pushes_;
  }
  // Producers waiting for room right now.
  size_t waiting() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::deque<T> items_;      // guarded by mu_
  bool closed_ = false;      // guarded by mu_
  uint64_t blocked_pushes_ = 0;  // guarded by mu_
  size_t waiting_ = 0;           // guarded by mu_
};

}  // namespace kedge::agent
