// SPDX-License-Identifier: LGPL-2.1-or-later
// ByteRing: a fixed-size circular byte buffer between one producing and one consuming thread.
//
// It does no locking of its own: its owner guards the counters (every call here) with a mutex. The bytes need no
// lock: a span from writable() is free space that only the producer touches until it commits, and a span from
// readable() holds bytes that only the consumer touches until it consumes them, so each side may copy (or let
// libssh2 encrypt and decrypt) outside the lock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>

namespace sshuttle::plugins::transport_ssh {

class ByteRing {
   public:
    // The storage is left uninitialised: a page costs memory only once bytes pass through it, so a quiet
    // forwarded connection's rings (tcp_forward.hpp) hold little.
    explicit ByteRing(size_t capacity) : bytes_(new char[capacity]), capacity_(capacity) {}

    size_t size() const { return tail_ - head_; }
    size_t room() const { return capacity_ - size(); }
    /// The free space after the last byte, up to the end of the storage (so possibly less than room()).
    std::span<char> writable() {
        size_t at = tail_ % capacity_;
        return {bytes_.get() + at, std::min(room(), capacity_ - at)};
    }
    void commit(size_t n) { tail_ += n; }
    /// The bytes from the first one, up to the end of the storage (so possibly fewer than size()).
    std::span<const char> readable() const {
        size_t at = head_ % capacity_;
        return {bytes_.get() + at, std::min(size(), capacity_ - at)};
    }
    void consume(size_t n) { head_ += n; }

   private:
    std::unique_ptr<char[]> bytes_;
    size_t capacity_;
    // Running totals: they never wrap in practice (2^64 bytes), which keeps "full" and "empty" apart.
    size_t head_ = 0;
    size_t tail_ = 0;
};

}  // namespace sshuttle::plugins::transport_ssh
