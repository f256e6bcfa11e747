// SPDX-License-Identifier: LGPL-2.1-or-later
// AES-CTR for libssh2 without its per-block cost.
//
// libssh2 (1.10 and 1.11) encrypts and decrypts an AES-CTR packet with one EVP_Cipher call per 16-byte block.
// Each call walks OpenSSL's generic CTR code and runs AES on a single block, about 1.2 CPU s per GB on the bench
// machine against 0.1 s/GB when the same cipher gets 32 KiB at a time: most of the gap between the libssh2
// transport and `-e ssh`. libssh2 has no cipher hook, but it gets its AES-CTR from OpenSSL's default library
// context by name, and OpenSSL lets a process add a provider there. This one offers AES-128-CTR that computes
// the keystream ahead, 8 KiB at a time, with OpenSSL's own AES-CTR (an all-zero input), and answers each
// small call by XOR with the next keystream bytes. Same cipher, same bytes on the wire; only the batching differs.
#pragma once

#include <string>

namespace sshuttle::plugins::transport_ssh {

/// Name of the OpenSSL provider, as EVP_CIPHER_get0_provider() reports it for the contexts it serves.
inline constexpr const char* kAesCtrReadAheadProvider = "sshuttle-aes-ctr";

/// Once per process: registers the provider in OpenSSL's default library context and makes it the preferred
/// source of AES-128-CTR ("?provider=..." default property; other algorithms are untouched). Only where
/// AES-128-CTR would otherwise come from OpenSSL's default provider, and not in FIPS mode (the provider is not a
/// validated module). The default property replaces any other set by the OpenSSL configuration (OpenSSL 3.0 has
/// no way to read it) and stays for the process. True when active; otherwise `why_not` says why.
bool enable_aes_ctr_read_ahead(std::string& why_not);

/// How many cipher contexts the provider has set up with a key so far (libssh2 makes one per direction and
/// key exchange): lets a caller see that the contexts it just caused came from here.
unsigned long aes_ctr_read_ahead_keyings();

}  // namespace sshuttle::plugins::transport_ssh
