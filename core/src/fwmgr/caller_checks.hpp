// SPDX-License-Identifier: LGPL-2.1-or-later
// What a caller who is not root may ask of the root manager: rules for its own traffic (GO's uid/gid are its
// own, or "-" for everyone's, as sshuttle always did), redirected only to ports its own client listens on.
// Routes and nameservers are free: choosing them is what sshuttle is for.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "fwmgr/caller.hpp"
#include "fwmgr/port_owner.hpp"
#include "fwmgr/request_plan.hpp"

namespace sshuttle::fwmgr {

/// The owners of the sockets on a port (socket_owners() in production; tests pass their own).
using PortOwners = std::function<std::set<uid_t>(uint16_t port, SocketKind kind)>;

/// Empty when caller may place this order; else a one-line reason naming the refused value. A root caller may
/// place any order.
std::string why_refused(const InstallOrder& order, const Caller& caller, const PortOwners& owners);

}  // namespace sshuttle::fwmgr
