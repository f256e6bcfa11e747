// SPDX-License-Identifier: LGPL-2.1-or-later
// The read-ahead AES-128-CTR provider against OpenSSL's own: once enabled, a plain EVP_aes_128_ctr() context
// (what libssh2 makes) comes from it, and its output is byte for byte OpenSSL's for calls of any length (16-byte
// blocks as libssh2 makes them, odd sizes, more than one batch at once), across the wrap of the 128-bit counter,
// in both directions, and after a context is keyed again. Every other cipher, AES-256-CTR (OpenSSL's random
// generator) included, still comes from OpenSSL's default provider.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

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
