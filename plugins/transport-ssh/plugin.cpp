// SPDX-License-Identifier: LGPL-2.1-or-later
// Module entry points of the libssh2 transport ("ssh"). Options (--transport-option KEY=VALUE):
//   ssh-config=FILE        passed to `ssh -G -F FILE` when reading the OpenSSH configuration
//   password=SECRET        password / keyboard-interactive answer (from -r user:password@host)
//   ssh=PATH|none          the ssh binary asked for the configuration (default: ssh; none: ssh's defaults)
//   window-bytes=N         receive window of the exec channel (default 4 MiB)
//   forward-window-bytes=N receive window of each forwarded connection's channel (default: from the round trip)
//   connect-timeout=S      TCP connect timeout in seconds (default: ConnectTimeout, else 60)
//   aes-ctr-read-ahead=yes|no  AES-CTR keystream computed ahead in batches (default yes)
//   batch-mode=yes|no      yes: never prompt (passphrase, password, host key), as BatchMode=yes; the client sets
//                          it for a reconnect that nobody could answer (no terminal, -D, systemd)
#include <libssh2.h>

#include <string>

#include "ssh_transport.hpp"

namespace {

// The description names the libssh2 this module runs with (libssh2_version: the loaded library, not the headers),
// so that `sshuttle --version` and --list-plugins can show it.
const char* description() {
    static const std::string text = std::string("in-process SSH (libssh2 ") + libssh2_version(0) +
                                    "): agent, keys, passwords, known_hosts, ProxyJump, keepalive";
    return text.c_str();
}

}  // namespace

SSHUTTLE_DECLARE_TRANSPORT(sshuttle::plugins::transport_ssh::SshTransport, "ssh", description(), 0)
