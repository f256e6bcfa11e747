// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host_key_check.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "key_file.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

struct KeyKind {
    int hostkey_type;   // LIBSSH2_HOSTKEY_TYPE_*
    int knownhost_bit;  // LIBSSH2_KNOWNHOST_KEY_*
    const char* name;   // as written in known_hosts
    const char* algorithms;  // host key algorithms that produce this key type, best first
};

constexpr KeyKind kKinds[] = {
    {LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519", "ssh-ed25519"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"},
    {LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa"},
    {LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss", "ssh-dss"},
};

const KeyKind* kind_of(int hostkey_type) {
    for (const auto& k : kKinds)
        if (k.hostkey_type == hostkey_type) return &k;
    return nullptr;
}

using KnownHosts = std::unique_ptr<LIBSSH2_KNOWNHOSTS, decltype(&libssh2_knownhost_free)>;

KnownHosts new_collection(LIBSSH2_SESSION* session) {
    return KnownHosts(libssh2_knownhost_init(session), &libssh2_knownhost_free);
}

int check(LIBSSH2_KNOWNHOSTS* hosts, const HostKeyPolicy& p, const std::string& key, int bit) {
    return libssh2_knownhost_checkp(hosts, p.name.c_str(), p.port, key.data(), key.size(),
                                    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | bit, nullptr);
}

std::vector<std::string> all_files(const HostKeyPolicy& p) {
    std::vector<std::string> files = p.user_files;
    files.insert(files.end(), p.global_files.begin(), p.global_files.end());
    return files;
}

// Line by line, so that a mismatch can name its file and line as ssh does.
struct Lookup {
    bool match = false;
    std::string mismatch_at;  // "file:line" of the first entry with another key of the same type
    std::string revoked_at;   // "file:line" of a @revoked entry for this very key
};

// "@revoked <hosts> <type> <base64>" naming this key. libssh2 cannot read marker lines, so they are compared here;
// a revoked key is refused whatever host pattern the line has, which is stricter than needed and never wrong.
bool revokes(const std::string& line, const std::string& key_base64) {
    std::istringstream words(line);
    std::string marker, hosts, type, blob;
    words >> marker >> hosts >> type >> blob;
    return marker == "@revoked" && !blob.empty() && blob == key_base64;
}

Lookup look_up(LIBSSH2_SESSION* session, const HostKeyPolicy& p, const std::string& key, int bit) {
    Lookup result;
    const std::string key_base64 = base64_encode(key);
    for (const auto& file : all_files(p)) {
        std::ifstream in(file);
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            if (line.empty() || line[0] == '#') continue;
            if (line[0] == '@') {
                if (revokes(line, key_base64)) {
                    result.revoked_at = file + ":" + std::to_string(number);
                    return result;
                }
                continue;  // @cert-authority: host certificates are not offered by this transport
            }
            KnownHosts one = new_collection(session);
            if (libssh2_knownhost_readline(one.get(), line.data(), line.size(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
                continue;  // markers and key types libssh2 does not know
            int rc = check(one.get(), p, key, bit);
            // Read on after a match: a @revoked line further down still wins.
            if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH) result.match = true;
            if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH && result.mismatch_at.empty())
                result.mismatch_at = file + ":" + std::to_string(number);
        }
    }
    return result;
}

std::string hmac_sha1(const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

void append_key(const HostKeyPolicy& p, const std::string& line, const sdk::Host& host) {
    if (p.user_files.empty() || p.user_files.front() == "/dev/null") return;
    const std::string& file = p.user_files.front();
    if (auto slash = file.rfind('/'); slash != std::string::npos && slash > 0)
        ::mkdir(file.substr(0, slash).c_str(), 0700);  // ~/.ssh may not exist yet
    std::ofstream out(file, std::ios::app);
    out << line;
    if (!out) {
        host.warn("could not add the host key of " + p.name + " to " + file);
        return;
    }
    host.warn("permanently added '" + p.name + "' to the list of known hosts (" + file + ")");
}

}  // namespace

HostKeyPolicy host_key_policy(const SshSettings& s) {
    HostKeyPolicy p;
    p.name = s.host_key_alias.empty() ? s.hostname : s.host_key_alias;
    p.port = s.port;
    p.user_files = s.user_known_hosts_files;
    p.global_files = s.global_known_hosts_files;
    p.strict = s.strict;
    p.hash_new_entries = s.hash_known_hosts;
    return p;
}

void prefer_known_key_types(LIBSSH2_SESSION* session, const HostKeyPolicy& p) {
    KnownHosts hosts = new_collection(session);
    for (const auto& file : all_files(p))
        libssh2_knownhost_readfile(hosts.get(), file.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
    const char** supported = nullptr;
    int count = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY, &supported);
    if (count <= 0) return;
    auto is_supported = [&](const std::string& alg) {
        for (int i = 0; i < count; ++i)
            if (alg == supported[i]) return true;
        return false;
    };
    // A key that cannot match tells us whether an entry of that type exists: checkp reports MISMATCH then.
    std::vector<std::string> known, rest;
    for (const auto& k : kKinds) {
        bool present = check(hosts.get(), p, std::string("\x01"), k.knownhost_bit) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
        std::istringstream algs(k.algorithms);
        for (std::string alg; std::getline(algs, alg, ',');)
            if (is_supported(alg)) (present ? known : rest).push_back(alg);
    }
    libssh2_free(session, supported);
    if (known.empty()) return;  // libssh2's own order is fine for an unknown host
    known.insert(known.end(), rest.begin(), rest.end());
    std::string pref;
    for (const auto& alg : known) pref += (pref.empty() ? "" : ",") + alg;
    libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, pref.c_str());
}

std::string host_key_fingerprint(LIBSSH2_SESSION* session) {
    const char* hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256);
    if (hash == nullptr) return "SHA256:?";
    std::string b64 = base64_encode(std::string(hash, 32));
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return "SHA256:" + b64;
}

std::string known_hosts_line(const HostKeyPolicy& p, const std::string& key_type, const std::string& key) {
    std::string name = p.port == 22 ? p.name : "[" + p.name + "]:" + std::to_string(p.port);
    if (p.hash_new_entries) {
        unsigned char salt[20];
        RAND_bytes(salt, sizeof salt);
        std::string s(reinterpret_cast<char*>(salt), sizeof salt);
        name = "|1|" + base64_encode(s) + "|" + base64_encode(hmac_sha1(s, name));
    }
    return name + " " + key_type + " " + base64_encode(key) + "\n";
}

void verify_host_key(LIBSSH2_SESSION* session, const HostKeyPolicy& p, const Prompter& prompter,
                     const sdk::Host& host) {
    size_t len = 0;
    int type = 0;
    const char* raw = libssh2_session_hostkey(session, &len, &type);
    const KeyKind* kind = kind_of(type);
    if (raw == nullptr || kind == nullptr)
        throw sdk::Error(SSHUTTLE_EHOSTKEY, "host " + p.name + " sent a host key of a type libssh2 does not know");
    const std::string key(raw, len);
    const std::string described = std::string(kind->name) + " key " + host_key_fingerprint(session);
    Lookup found = look_up(session, p, key, kind->knownhost_bit);
    if (!found.revoked_at.empty())
        throw sdk::Error(SSHUTTLE_EHOSTKEY, "host key for " + p.name + " (" + described + ") is marked @revoked in " +
                                                found.revoked_at + ": refusing to connect");
    if (found.match) return;
    if (!found.mismatch_at.empty())
        throw sdk::Error(SSHUTTLE_EHOSTKEY, "host key for " + p.name + " has changed: it sent " + described +
                                                ", which does not match " + found.mismatch_at +
                                                " (possible man-in-the-middle attack; if the change is expected, "
                                                "remove that line, e.g. ssh-keygen -R " + p.name + ")");
    switch (p.strict) {
        case StrictMode::kYes:
            throw sdk::Error(SSHUTTLE_EHOSTKEY, "no host key is known for " + p.name + " (" + described +
                                                    ") and StrictHostKeyChecking is yes");
        case StrictMode::kAsk: {
            auto answer = prompter.ask("The authenticity of host '" + p.name + "' can't be established.\r\n" +
                                           described + ".\r\nAre you sure you want to continue connecting "
                                           "(yes/no/[fingerprint])? ",
                                       false);
            if (!answer)
                throw sdk::Error(SSHUTTLE_EHOSTKEY, "host key for " + p.name + " is not known (" + described +
                                                        ") and nobody can be asked (no terminal or BatchMode); "
                                                        "add it to known_hosts or use StrictHostKeyChecking=accept-new");
            if (*answer != "yes" && *answer != host_key_fingerprint(session))
                throw sdk::Error(SSHUTTLE_EHOSTKEY, "host key for " + p.name + " was not accepted (" + described + ")");
            break;
        }
        case StrictMode::kAcceptNew:
        case StrictMode::kNo:
            break;
    }
    append_key(p, known_hosts_line(p, kind->name, key), host);
}

}  // namespace sshuttle::plugins::transport_ssh
