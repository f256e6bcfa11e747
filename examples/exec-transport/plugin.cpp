// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's exports: sshuttle-exec.so, "--transport exec".
#include <sshuttle/plugin_sdk.hpp>

#include "exec_transport.hpp"

SSHUTTLE_DECLARE_TRANSPORT(sshuttle::exec_transport::ExecTransport, "exec",
                           "runs any command as the transport (kubectl exec -i, docker exec -i, ip netns exec, ...)",
                           0)
