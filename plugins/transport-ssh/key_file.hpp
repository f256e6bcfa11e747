// SPDX-License-Identifier: LGPL-2.1-or-later
// What we can tell about a private key file without its passphrase: whether it is encrypted (so we must ask
// for a passphrase before libssh2 tries it) and its key type (for the RSA/SHA-1 diagnosis).
#pragma once

#include <string>

namespace sshuttle::plugins::transport_ssh {

struct KeyFileInfo {
    bool readable = false;
    bool encrypted = false;
    std::string key_type;  // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ... or empty when unknown
};

/// Reads and inspects an OpenSSH ("openssh-key-v1") or PEM private key file.
KeyFileInfo inspect_key_file(const std::string& path);

/// Inspects the text of a private key file (for tests).
KeyFileInfo inspect_key_text(const std::string& text);

/// Decodes standard base64, ignoring whitespace; stops at the first other character.
std::string base64_decode(const std::string& text);

/// Encodes standard base64 (with padding).
std::string base64_encode(const std::string& bytes);

}  // namespace sshuttle::plugins::transport_ssh
