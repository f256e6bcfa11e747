// SPDX-License-Identifier: LGPL-2.1-or-later
// The cipher the ssh program is asked to prefer (issue 17): OpenSSH puts chacha20-poly1305 first, which on a
// CPU with AES instructions costs several times the CPU per byte of AES-GCM. Where the user's configuration
// names no ciphers, the tunnel's ssh gets the same set with AES-GCM first; a configuration that names ciphers
// is the user's choice and is left alone.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sshuttle::transport {

/// OpenSSH's compiled-in cipher order (the same since OpenSSH 6.9): what `ssh -G` reports when neither the
/// command line nor a configuration file names Ciphers.
inline constexpr std::string_view kOpenSshDefaultCiphers =
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";

/// The same six ciphers, AES-GCM first: a server that accepts OpenSSH's default accepts this list.
inline constexpr std::string_view kAesFirstCiphers =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";

/// `{"-c", kAesFirstCiphers}` when `configured_ciphers` (the `ciphers` line of `ssh -G`) is OpenSSH's default
/// and the CPU has AES instructions; else nothing.
std::vector<std::string> fast_cipher_options(std::string_view configured_ciphers, bool cpu_has_aes);

/// Whether /proc/cpuinfo lists AES instructions (x86 "flags", ARM "Features": the word "aes").
bool cpu_has_aes_instructions();

/// The same from the text of a cpuinfo file (for tests).
bool cpuinfo_has_aes(std::string_view cpuinfo);

}  // namespace sshuttle::transport
