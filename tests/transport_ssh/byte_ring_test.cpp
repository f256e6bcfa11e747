// SPDX-License-Identifier: LGPL-2.1-or-later
// ByteRing: spans stop at the end of the storage and go on from its start, full and empty stay apart.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "byte_ring.hpp"

using sshuttle::plugins::transport_ssh::ByteRing;

namespace {

void put(ByteRing& ring, const std::string& bytes) {
    auto span = ring.writable();
    REQUIRE(span.size() >= bytes.size());
    std::memcpy(span.data(), bytes.data(), bytes.size());
    ring.commit(bytes.size());
}

std::string take(ByteRing& ring, size_t n) {
    auto span = ring.readable();
    REQUIRE(span.size() >= n);
    std::string bytes(span.data(), n);
    ring.consume(n);
    return bytes;
}

}  // namespace

TEST_CASE("byte ring: empty, full, and the spans around the end of the storage") {
    ByteRing ring(8);
    CHECK(ring.size() == 0);
    CHECK(ring.room() == 8);
    CHECK(ring.readable().empty());
    put(ring, "abcdef");
    CHECK(ring.size() == 6);
    CHECK(ring.writable().size() == 2);
    CHECK(take(ring, 4) == "abcd");
    // Free: 2 at the end and 4 at the start, but a span is contiguous.
    CHECK(ring.room() == 6);
    CHECK(ring.writable().size() == 2);
    put(ring, "gh");
    CHECK(ring.writable().size() == 4);
    put(ring, "ijkl");
    CHECK(ring.room() == 0);
    CHECK(ring.writable().empty());
    CHECK(ring.size() == 8);
    // Bytes: "efgh" up to the end, then "ijkl" from the start.
    CHECK(ring.readable().size() == 4);
    CHECK(take(ring, 4) == "efgh");
    CHECK(take(ring, 4) == "ijkl");
    CHECK(ring.size() == 0);
    CHECK(ring.readable().empty());
}

TEST_CASE("byte ring: many laps keep the bytes in order") {
    ByteRing ring(1000);
    std::string in, out;
    for (int i = 0; out.size() < 100000; ++i) {
        std::string piece(static_cast<size_t>(1 + (i * 37) % 300), static_cast<char>('a' + i % 26));
        while (ring.room() < piece.size()) {
            size_t n = std::min<size_t>(ring.readable().size(), 211);
            out += take(ring, n);
        }
        size_t first = std::min(piece.size(), ring.writable().size());
        put(ring, piece.substr(0, first));
        if (first < piece.size()) put(ring, piece.substr(first));
        in += piece;
    }
    while (ring.size() > 0) out += take(ring, ring.readable().size());
    CHECK(out == in);
}
