// SPDX-License-Identifier: LGPL-2.1-or-later
#include "key_file.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>

namespace sshuttle::plugins::transport_ssh {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Reads one SSH wire "string" (u32 big-endian length + bytes) at pos; false when it runs past the end.
bool read_string(const std::string& data, size_t& pos, std::string& out) {
    if (pos + 4 > data.size()) return false;
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<uint8_t>(data[pos + i]);
    pos += 4;
    if (len > data.size() - pos) return false;
    out = data.substr(pos, len);
    pos += len;
    return true;
}

// openssh-key-v1: magic, cipher, kdf, kdf options, key count, then the public key blob (never encrypted).
KeyFileInfo inspect_openssh(const std::string& body) {
    KeyFileInfo info;
    info.readable = true;
    static const std::string kMagic("openssh-key-v1\0", 15);
    std::string blob = base64_decode(body);
    if (blob.compare(0, kMagic.size(), kMagic) != 0) return info;
    size_t pos = kMagic.size();
    std::string cipher, kdf, kdf_options, public_blob;
    if (!read_string(blob, pos, cipher) || !read_string(blob, pos, kdf) || !read_string(blob, pos, kdf_options))
        return info;
    info.encrypted = cipher != "none";
    pos += 4;  // number of keys
    size_t key_pos = 0;
    if (read_string(blob, pos, public_blob)) read_string(public_blob, key_pos, info.key_type);
    return info;
}

}  // namespace

std::string base64_decode(const std::string& text) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
        if (p == nullptr) break;  // '=' padding or the end of the base64 part
        acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

std::string base64_encode(const std::string& bytes) {
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                     static_cast<uint8_t>(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
    }
    if (i < bytes.size()) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

KeyFileInfo inspect_key_text(const std::string& text) {
    static const std::string kOpenssh = "-----BEGIN OPENSSH PRIVATE KEY-----";
    if (auto begin = text.find(kOpenssh); begin != std::string::npos) {
        auto body_start = text.find('\n', begin);
        auto end = text.find("-----END", body_start == std::string::npos ? begin : body_start);
        if (body_start != std::string::npos && end != std::string::npos)
            return inspect_openssh(text.substr(body_start + 1, end - body_start - 1));
    }
    KeyFileInfo info;
    info.readable = true;
    // Legacy PEM: "Proc-Type: 4,ENCRYPTED" headers, or PKCS#8 "BEGIN ENCRYPTED PRIVATE KEY".
    info.encrypted = text.find("ENCRYPTED") != std::string::npos;
    if (text.find("BEGIN RSA PRIVATE KEY") != std::string::npos) info.key_type = "ssh-rsa";
    else if (text.find("BEGIN EC PRIVATE KEY") != std::string::npos) info.key_type = "ecdsa";
    else if (text.find("BEGIN DSA PRIVATE KEY") != std::string::npos) info.key_type = "ssh-dss";
    return info;
}

KeyFileInfo inspect_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream text;
    text << in.rdbuf();
    return inspect_key_text(text.str());
}

}  // namespace sshuttle::plugins::transport_ssh
