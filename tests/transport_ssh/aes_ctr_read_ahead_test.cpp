// SPDX-License-Identifier: LGPL-2.1-or-later
// The read-ahead AES-128-CTR provider against OpenSSL's own: once enabled, a plain EVP_aes_128_ctr() context
// (what libssh2 makes) comes from it; it gives the NIST example's bytes, and OpenSSL's for calls of any length
// (16-byte blocks as libssh2 makes them, odd sizes, more than one batch at once), across the wrap of the 128-bit
// counter, in both directions, through rekeying with a key, a counter or neither, through the update API and in a
// copy. Every other cipher, AES-256-CTR (OpenSSL's random generator) included, still comes from OpenSSL's default
// provider.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "aes_ctr_read_ahead.hpp"

using namespace sshuttle::plugins::transport_ssh;

namespace {

using Bytes = std::vector<unsigned char>;

Bytes random_bytes(std::mt19937& rng, size_t n) {
    Bytes b(n);
    for (auto& c : b) c = static_cast<unsigned char>(rng());
    return b;
}

// OpenSSL's own result, in one call, from the default provider named explicitly.
Bytes reference(const Bytes& key, const Bytes& iv, const Bytes& input) {
    EVP_CIPHER* aes = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", "provider=default");
    REQUIRE(aes != nullptr);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    REQUIRE(EVP_EncryptInit_ex2(ctx, aes, key.data(), iv.data(), nullptr) == 1);
    Bytes out(input.size());
    int n = 0;
    REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &n, input.data(), static_cast<int>(input.size())) == 1);
    CHECK(static_cast<size_t>(n) == input.size());
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(aes);
    return out;
}

// The way libssh2 calls it: EVP_Cipher on pieces, the return value the number of bytes written.
Bytes in_pieces(EVP_CIPHER_CTX* ctx, const Bytes& input, const std::vector<size_t>& pieces) {
    Bytes out(input.size());
    size_t at = 0;
    for (size_t i = 0; at < input.size(); ++i) {
        size_t n = std::min(pieces[i % pieces.size()], input.size() - at);
        REQUIRE(EVP_Cipher(ctx, out.data() + at, input.data() + at, static_cast<unsigned>(n)) == static_cast<int>(n));
        at += n;
    }
    return out;
}

Bytes hex(const std::string& text) {
    Bytes out;
    for (size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<unsigned char>(std::stoi(text.substr(i, 2), nullptr, 16)));
    return out;
}

std::string provider_of(EVP_CIPHER_CTX* ctx) {
    return OSSL_PROVIDER_get0_name(EVP_CIPHER_get0_provider(EVP_CIPHER_CTX_get0_cipher(ctx)));
}

}  // namespace

TEST_CASE("aes-ctr read-ahead: libssh2's kind of context gets it, with OpenSSL's bytes, both ways, after rekeying") {
    std::string why_not;
    REQUIRE_MESSAGE(enable_aes_ctr_read_ahead(why_not), why_not);
    CHECK(why_not.empty());
    CHECK(enable_aes_ctr_read_ahead(why_not));  // a second call changes nothing

    std::mt19937 rng(7);
    const std::vector<std::vector<size_t>> call_patterns = {
        {16}, {1, 15, 16, 33}, {8192}, {8191, 2}, {20000, 16, 5}, {32768 + 16}};
    for (const auto& pieces : call_patterns) {
        CAPTURE(pieces.front());
        Bytes key = random_bytes(rng, 16), iv = random_bytes(rng, 16);
        // Three blocks before the counter wraps from all ones to zero: the carry crosses all 16 bytes.
        for (size_t i = 0; i < 15; ++i) iv[i] = 0xff;
        iv[15] = 0xfd;
        Bytes plain = random_bytes(rng, 100000);
        Bytes expected = reference(key, iv, plain);

        EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
        EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
        unsigned long keyings = aes_ctr_read_ahead_keyings();
        REQUIRE(EVP_CipherInit(enc, EVP_aes_128_ctr(), key.data(), iv.data(), 1) == 1);
        REQUIRE(EVP_CipherInit(dec, EVP_aes_128_ctr(), key.data(), iv.data(), 0) == 1);
        CHECK(aes_ctr_read_ahead_keyings() == keyings + 2);
        CHECK(provider_of(enc) == kAesCtrReadAheadProvider);
        CHECK(provider_of(dec) == kAesCtrReadAheadProvider);
        CHECK(EVP_CIPHER_CTX_get_block_size(enc) == 1);
        CHECK(EVP_CIPHER_CTX_get_key_length(enc) == 16);
        CHECK(EVP_CIPHER_CTX_get_iv_length(enc) == 16);

        Bytes sealed = in_pieces(enc, plain, pieces);
        CHECK(sealed == expected);
        CHECK(in_pieces(dec, sealed, pieces) == plain);

        // Keyed again mid-stream, as at a rekey: the stream restarts at the new key and counter.
        Bytes key2 = random_bytes(rng, 16), iv2 = random_bytes(rng, 16);
        REQUIRE(EVP_CipherInit(enc, nullptr, key2.data(), iv2.data(), 1) == 1);
        Bytes tail(plain.begin(), plain.begin() + 5000);
        CHECK(in_pieces(enc, tail, pieces) == reference(key2, iv2, tail));

        EVP_CIPHER_CTX_free(enc);
        EVP_CIPHER_CTX_free(dec);
    }
}

TEST_CASE("aes-ctr read-ahead: the NIST SP 800-38A AES-128-CTR example (F.5.1)") {
    std::string why_not;
    REQUIRE(enable_aes_ctr_read_ahead(why_not));
    const Bytes key = hex("2b7e151628aed2a6abf7158809cf4f3c"), counter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const Bytes plain = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    const Bytes sealed = hex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                             "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    REQUIRE(EVP_CipherInit(ctx, EVP_aes_128_ctr(), key.data(), counter.data(), 1) == 1);
    REQUIRE(provider_of(ctx) == kAesCtrReadAheadProvider);
    CHECK(in_pieces(ctx, plain, {16}) == sealed);
    EVP_CIPHER_CTX_free(ctx);
}

// The same calls on a context of ours and on one of OpenSSL's default provider give the same bytes: keyed again
// with only a key, only a counter, or neither, part-way through a block and a batch; EVP_CipherUpdate and
// EVP_CipherFinal_ex as well as EVP_Cipher; and a copy made part-way goes on like the original.
TEST_CASE("aes-ctr read-ahead: follows OpenSSL's AES-CTR through re-keying, the update API and copies") {
    std::string why_not;
    REQUIRE(enable_aes_ctr_read_ahead(why_not));
    std::mt19937 rng(11);
    EVP_CIPHER* openssl_aes = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", "provider=default");
    REQUIRE(openssl_aes != nullptr);
    EVP_CIPHER_CTX* ours = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX* theirs = EVP_CIPHER_CTX_new();
    Bytes key = random_bytes(rng, 16), iv = random_bytes(rng, 16);
    REQUIRE(EVP_CipherInit(ours, EVP_aes_128_ctr(), key.data(), iv.data(), 1) == 1);
    REQUIRE(EVP_CipherInit_ex2(theirs, openssl_aes, key.data(), iv.data(), 1, nullptr) == 1);
    REQUIRE(provider_of(ours) == kAesCtrReadAheadProvider);

    auto both = [&](size_t n) {
        Bytes input = random_bytes(rng, n);
        Bytes a(n), b(n);
        int na = 0, nb = 0;
        REQUIRE(EVP_CipherUpdate(ours, a.data(), &na, input.data(), static_cast<int>(n)) == 1);
        REQUIRE(EVP_CipherUpdate(theirs, b.data(), &nb, input.data(), static_cast<int>(n)) == 1);
        CHECK(na == static_cast<int>(n));
        CHECK(a == b);
    };
    auto rekey_both = [&](const unsigned char* new_key, const unsigned char* new_iv) {
        REQUIRE(EVP_CipherInit_ex2(ours, nullptr, new_key, new_iv, -1, nullptr) == 1);
        REQUIRE(EVP_CipherInit_ex2(theirs, nullptr, new_key, new_iv, -1, nullptr) == 1);
    };

    both(5);  // part-way through the first block
    Bytes key2 = random_bytes(rng, 16);
    rekey_both(key2.data(), nullptr);  // a new key goes on from the next block
    both(8190);                        // ends part-way through a block, near the end of a batch
    rekey_both(nullptr, nullptr);      // drops the rest of the block
    both(40);
    Bytes iv2 = random_bytes(rng, 16);
    rekey_both(nullptr, iv2.data());  // a new counter under the same key
    both(20000);

    EVP_CIPHER_CTX* copy = EVP_CIPHER_CTX_new();
    REQUIRE(EVP_CIPHER_CTX_copy(copy, ours) == 1);
    Bytes input = random_bytes(rng, 777), from_copy(777), from_theirs(777);
    int n = 0;
    REQUIRE(EVP_CipherUpdate(copy, from_copy.data(), &n, input.data(), 777) == 1);
    REQUIRE(EVP_CipherUpdate(theirs, from_theirs.data(), &n, input.data(), 777) == 1);
    CHECK(from_copy == from_theirs);

    unsigned char tail[16];
    int tail_len = -1;
    CHECK(EVP_CipherFinal_ex(ours, tail, &tail_len) == 1);
    CHECK(tail_len == 0);

    EVP_CIPHER_CTX_free(copy);
    EVP_CIPHER_CTX_free(theirs);
    EVP_CIPHER_CTX_free(ours);
    EVP_CIPHER_free(openssl_aes);
}

TEST_CASE("aes-ctr read-ahead: other ciphers, AES-256-CTR of OpenSSL's random generator too, stay OpenSSL's") {
    std::string why_not;
    REQUIRE(enable_aes_ctr_read_ahead(why_not));
    const unsigned char key[32] = {1}, iv[16] = {2};
    for (const EVP_CIPHER* cipher : {EVP_aes_256_ctr(), EVP_aes_192_ctr(), EVP_aes_128_cbc(), EVP_aes_128_gcm()}) {
        CAPTURE(EVP_CIPHER_get0_name(cipher));
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        REQUIRE(EVP_CipherInit(ctx, cipher, key, iv, 1) == 1);
        CHECK(provider_of(ctx) == "default");
        EVP_CIPHER_CTX_free(ctx);
    }
    unsigned long keyings = aes_ctr_read_ahead_keyings();
    unsigned char random[64];
    REQUIRE(RAND_bytes(random, sizeof random) == 1);
    CHECK(aes_ctr_read_ahead_keyings() == keyings);
}
