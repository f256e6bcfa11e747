// SPDX-License-Identifier: LGPL-2.1-or-later
// Datagrams that a reply socket caught for someone else.
//
// A reply socket is bound to a remote address (a nameserver, a flow's destination) and then connected to one
// application. Between its bind() and its connect() it is the kernel's best match for every datagram to that
// address, from any application: those datagrams sit in its queue although they belong to other flows (or to
// the listener). Reading them with their sender lets the caller hand each one to where it belongs instead of
// losing it (a lost DNS query) or answering the wrong application (a foreign echo).
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "client/transparent_udp.hpp"

namespace sshuttle::client {

/// Takes one datagram; returns false to stop reading (e.g. the socket was closed meanwhile).
using CaughtDatagramHandler =
    std::function<bool(const boost::asio::ip::udp::endpoint& sender, std::span<const uint8_t> data)>;

/// Reads what is queued on the non-blocking socket fd (at most `limit` datagrams), passing each with its sender;
/// datagrams larger than the buffer are dropped whole, never cut. Returns how many were read.
int read_caught_datagrams(int fd, std::vector<uint8_t>& buffer, const CaughtDatagramHandler& handle, int limit = 256);

/// Sends one datagram from `from` to `to` through a reply socket opened for it alone, hands on what that socket
/// caught meanwhile (`caught`, read into `buffer` after the send) and closes it. Throws what open_reply throws; a
/// failed send only loses this datagram and is logged.
void send_reply_once(const TransparentUdp& udp, const boost::asio::ip::udp::endpoint& from,
                     const boost::asio::ip::udp::endpoint& to, std::span<const uint8_t> data,
                     std::vector<uint8_t>& buffer, const CaughtDatagramHandler& caught);

}  // namespace sshuttle::client
