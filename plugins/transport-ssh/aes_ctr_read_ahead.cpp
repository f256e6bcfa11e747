// SPDX-License-Identifier: LGPL-2.1-or-later
#include "aes_ctr_read_ahead.hpp"

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace sshuttle::plugins::transport_ssh {

namespace {

// 8 KiB: enough that the keystream call's own overhead vanishes, small enough to stay in L1/L2.
constexpr size_t kAheadBytes = 8192;
constexpr size_t kKeyBytes = 16;      // AES-128
constexpr size_t kCounterBytes = 16;  // the CTR counter block, AES's block size
static_assert(kAheadBytes % kCounterBytes == 0, "a batch is whole blocks");
const unsigned char kZeros[kAheadBytes] = {};
constexpr const char* kOwnProperty = "provider=sshuttle-aes-ctr";
constexpr const char* kPreferOwn = "?provider=sshuttle-aes-ctr";

std::atomic<unsigned long> g_keyings{0};
// OpenSSL's own AES-128-CTR (default provider), fetched once by enable_aes_ctr_read_ahead() and kept for the
// process: every context makes its keystream with it.
EVP_CIPHER* g_default_aes = nullptr;

using Counter = std::array<unsigned char, kCounterBytes>;  // big-endian, as SSH and OpenSSL count

// Adds n blocks to a counter, wrapping at 2^128 like AES-CTR.
void advance(Counter& counter, std::uint64_t n) {
    for (size_t i = kCounterBytes; i-- > 0 && n != 0;) {
        std::uint64_t sum = counter[i] + (n & 0xff);
        counter[i] = static_cast<unsigned char>(sum);
        n = (n >> 8) + (sum >> 8);
    }
}

struct CtrContext {
    EVP_CIPHER_CTX* keystream_source = nullptr;  // g_default_aes, fed with zeros
    bool keyed = false;
    unsigned char keystream[kAheadBytes];
    size_t used = kAheadBytes;  // keystream bytes already consumed; kAheadBytes means "compute the next batch"
    Counter batch_start{};      // counter of the batch's first block
    Counter next_batch{};       // counter of the first block not computed yet
};

void forget_keystream(CtrContext& c) {
    OPENSSL_cleanse(c.keystream, sizeof c.keystream);
    c.used = kAheadBytes;
}

// Blocks of the batch used so far, a block counting once any byte of it is.
size_t started_blocks(const CtrContext& c) { return (c.used + kCounterBytes - 1) / kCounterBytes; }

// The counter OpenSSL's own AES-CTR would use next: it drops the rest of a block it has started.
Counter next_block(const CtrContext& c) {
    if (c.used == kAheadBytes) return c.next_batch;
    Counter counter = c.batch_start;
    advance(counter, started_blocks(c));
    return counter;
}

void* new_context(void*) { return new (std::nothrow) CtrContext; }

void free_context(void* p) {
    auto* c = static_cast<CtrContext*>(p);
    if (c == nullptr) return;
    EVP_CIPHER_CTX_free(c->keystream_source);
    OPENSSL_cleanse(c, sizeof *c);
    delete c;
}

void* copy_context(void* p) {
    const auto* from = static_cast<const CtrContext*>(p);
    auto* to = new (std::nothrow) CtrContext;
    if (to == nullptr) return nullptr;
    if (from->keystream_source != nullptr) {
        to->keystream_source = EVP_CIPHER_CTX_new();
        if (to->keystream_source == nullptr || EVP_CIPHER_CTX_copy(to->keystream_source, from->keystream_source) != 1) {
            free_context(to);
            return nullptr;
        }
    }
    to->keyed = from->keyed;
    std::memcpy(to->keystream, from->keystream, sizeof to->keystream);
    to->used = from->used;
    to->batch_start = from->batch_start;
    to->next_batch = from->next_batch;
    return to;
}

// Encrypt and decrypt are the same in CTR mode. Follows OpenSSL's AES-CTR: a new counter starts there; a new key
// alone goes on from the next block; neither drops the rest of the current block.
int init_context(void* p, const unsigned char* key, size_t key_len, const unsigned char* iv, size_t iv_len,
                 const OSSL_PARAM[]) {
    auto* c = static_cast<CtrContext*>(p);
    if ((key != nullptr && key_len != kKeyBytes) || (iv != nullptr && iv_len != kCounterBytes)) return 0;
    if (key == nullptr && iv == nullptr) {
        c->used = started_blocks(*c) * kCounterBytes;  // at most kAheadBytes, a whole number of blocks
        return 1;
    }
    Counter counter = next_block(*c);
    if (iv != nullptr) std::memcpy(counter.data(), iv, kCounterBytes);
    forget_keystream(*c);
    if (c->keystream_source == nullptr) {
        c->keystream_source = EVP_CIPHER_CTX_new();
        if (c->keystream_source == nullptr ||
            EVP_EncryptInit_ex2(c->keystream_source, g_default_aes, nullptr, nullptr, nullptr) != 1) {
            EVP_CIPHER_CTX_free(c->keystream_source);
            c->keystream_source = nullptr;
            c->keyed = false;
            return 0;
        }
    }
    if (EVP_EncryptInit_ex2(c->keystream_source, nullptr, key, counter.data(), nullptr) != 1) {
        c->keyed = false;  // a failed rekey must not leave the old key's stream usable
        return 0;
    }
    c->next_batch = counter;
    if (key != nullptr) {
        c->keyed = true;
        g_keyings.fetch_add(1, std::memory_order_relaxed);
    }
    return 1;
}

void xor_into(unsigned char* out, const unsigned char* in, const unsigned char* key_stream, size_t n) {
    size_t i = 0;
    // Eight bytes at a time through memcpy: no alignment assumptions, and the compiler makes vector moves of it.
    for (; i + 8 <= n; i += 8) {
        std::uint64_t a, b;
        std::memcpy(&a, in + i, 8);
        std::memcpy(&b, key_stream + i, 8);
        a ^= b;
        std::memcpy(out + i, &a, 8);
    }
    for (; i < n; ++i) out[i] = static_cast<unsigned char>(in[i] ^ key_stream[i]);
}

int cipher(void* p, unsigned char* out, size_t* out_len, size_t out_size, const unsigned char* in, size_t in_len) {
    auto* c = static_cast<CtrContext*>(p);
    if (!c->keyed || out_size < in_len) return 0;
    // libssh2's call, one block that the batch still holds, in straight-line code: a loop of 16-byte EVP_Cipher
    // calls took 0.48 instead of 0.65 s/GB with it.
    if (in_len == kCounterBytes && kAheadBytes - c->used >= kCounterBytes) [[likely]] {
        std::uint64_t data[2], key_stream[2];
        std::memcpy(data, in, sizeof data);
        std::memcpy(key_stream, c->keystream + c->used, sizeof key_stream);
        data[0] ^= key_stream[0];
        data[1] ^= key_stream[1];
        std::memcpy(out, data, sizeof data);
        c->used += kCounterBytes;
        *out_len = kCounterBytes;
        return 1;
    }
    size_t done = 0;
    while (done < in_len) {
        if (c->used == kAheadBytes) [[unlikely]] {
            int made = 0;
            int ok = EVP_EncryptUpdate(c->keystream_source, c->keystream, &made, kZeros, static_cast<int>(kAheadBytes));
            if (ok != 1 || made != static_cast<int>(kAheadBytes)) return 0;
            c->used = 0;
            c->batch_start = c->next_batch;
            advance(c->next_batch, kAheadBytes / kCounterBytes);
        }
        size_t take = std::min(in_len - done, kAheadBytes - c->used);
        xor_into(out + done, in + done, c->keystream + c->used, take);
        c->used += take;
        done += take;
    }
    *out_len = in_len;
    return 1;
}

int final_part(void*, unsigned char*, size_t* out_len, size_t) {
    *out_len = 0;  // a stream cipher keeps nothing back
    return 1;
}

// Fills in one parameter if OpenSSL asked for it; false only when it asked and the value did not fit.
bool answer(OSSL_PARAM params[], const char* key, size_t value) {
    OSSL_PARAM* p = OSSL_PARAM_locate(params, key);
    return p == nullptr || OSSL_PARAM_set_size_t(p, value) == 1;
}

// What OpenSSL asks of the algorithm when it fetches it: the same answers as its own AES-CTR (block size 1).
int algorithm_params(OSSL_PARAM params[]) {
    return answer(params, OSSL_CIPHER_PARAM_MODE, EVP_CIPH_CTR_MODE) &&
           answer(params, OSSL_CIPHER_PARAM_KEYLEN, kKeyBytes) &&
           answer(params, OSSL_CIPHER_PARAM_IVLEN, kCounterBytes) && answer(params, OSSL_CIPHER_PARAM_BLOCK_SIZE, 1);
}

int context_params(void*, OSSL_PARAM params[]) {
    return answer(params, OSSL_CIPHER_PARAM_KEYLEN, kKeyBytes) &&
           answer(params, OSSL_CIPHER_PARAM_IVLEN, kCounterBytes);
}

const OSSL_PARAM* algorithm_param_list(void*) {
    static const OSSL_PARAM list[] = {
        OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, nullptr), OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr), OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, nullptr),
        OSSL_PARAM_END};
    return list;
}

const OSSL_PARAM* context_param_list(void*, void*) {
    static const OSSL_PARAM list[] = {OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
                                      OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr), OSSL_PARAM_END};
    return list;
}

// OpenSSL's dispatch tables hold every function as void (*)(void), the type it casts back from.
template <typename F>
OSSL_DISPATCH entry(int id, F* function) {
    return {id, reinterpret_cast<void (*)(void)>(function)};
}

// Not offered: the IV and "num" context parameters (EVP_CIPHER_CTX_get_updated_iv fails); libssh2 reads neither.
const OSSL_DISPATCH kCipherFunctions[] = {
    entry(OSSL_FUNC_CIPHER_NEWCTX, new_context),
    entry(OSSL_FUNC_CIPHER_FREECTX, free_context),
    entry(OSSL_FUNC_CIPHER_DUPCTX, copy_context),
    entry(OSSL_FUNC_CIPHER_ENCRYPT_INIT, init_context),
    entry(OSSL_FUNC_CIPHER_DECRYPT_INIT, init_context),
    entry(OSSL_FUNC_CIPHER_UPDATE, cipher),
    entry(OSSL_FUNC_CIPHER_FINAL, final_part),
    entry(OSSL_FUNC_CIPHER_CIPHER, cipher),
    entry(OSSL_FUNC_CIPHER_GET_PARAMS, algorithm_params),
    entry(OSSL_FUNC_CIPHER_GETTABLE_PARAMS, algorithm_param_list),
    entry(OSSL_FUNC_CIPHER_GET_CTX_PARAMS, context_params),
    entry(OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, context_param_list),
    {0, nullptr}};

// AES-128-CTR only, the cipher the transport prefers. AES-256-CTR stays OpenSSL's own: OpenSSL's random
// generator (CTR-DRBG) fetches it the same way, and rekeys it for every few bytes it makes.
const OSSL_ALGORITHM kCiphers[] = {{"AES-128-CTR", kOwnProperty, kCipherFunctions, nullptr},
                                   {nullptr, nullptr, nullptr, nullptr}};

const OSSL_ALGORITHM* query_operation(void*, int operation, int* no_cache) {
    *no_cache = 0;
    return operation == OSSL_OP_CIPHER ? kCiphers : nullptr;
}

const OSSL_DISPATCH kProviderFunctions[] = {entry(OSSL_FUNC_PROVIDER_QUERY_OPERATION, query_operation), {0, nullptr}};

int provider_init(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*, const OSSL_DISPATCH** out, void** provider_ctx) {
    *out = kProviderFunctions;
    *provider_ctx = nullptr;
    return 1;
}

}  // namespace

bool enable_aes_ctr_read_ahead(std::string& why_not) {
    static std::once_flag once;
    static bool active = false;
    static std::string reason;
    std::call_once(once, [] {
        if (EVP_default_properties_is_fips_enabled(nullptr) == 1) {
            reason = "OpenSSL runs in FIPS mode";
            return;
        }
        // Only in place of OpenSSL's default provider: a configuration that takes AES-128-CTR from elsewhere (a
        // hardware or FIPS provider) keeps it.
        EVP_CIPHER* configured = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
        std::string source = "no provider";
        if (configured != nullptr) source = OSSL_PROVIDER_get0_name(EVP_CIPHER_get0_provider(configured));
        EVP_CIPHER_free(configured);
        if (source != "default") {
            reason = "OpenSSL takes AES-128-CTR from " + source + ", not from its default provider";
            return;
        }
        g_default_aes = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", "provider=default");
        if (g_default_aes == nullptr) {
            reason = "OpenSSL's default provider has no AES-128-CTR";
            return;
        }
        static OSSL_PROVIDER* loaded = nullptr;
        // try_load with fallbacks kept: the default provider still loads itself as if nothing had been added.
        if (OSSL_PROVIDER_add_builtin(nullptr, kAesCtrReadAheadProvider, provider_init) != 1 ||
            (loaded = OSSL_PROVIDER_try_load(nullptr, kAesCtrReadAheadProvider, 1)) == nullptr) {
            reason = "OpenSSL refused the provider";
            return;
        }
        // Handed back at exit, before OpenSSL's own clean-up (registered earlier, so run later) frees the rest.
        std::atexit([] { OSSL_PROVIDER_unload(loaded); });
        if (EVP_set_default_properties(nullptr, kPreferOwn) != 1) {
            reason = "OpenSSL refused the default property";
            return;
        }
        active = true;
    });
    why_not = reason;
    return active;
}

unsigned long aes_ctr_read_ahead_keyings() { return g_keyings.load(std::memory_order_relaxed); }

}  // namespace sshuttle::plugins::transport_ssh
