# SPDX-License-Identifier: LGPL-2.1-or-later
# The sshuttle fallback server: the remote end of the mux for hosts where the native static helper cannot run
# (another architecture or OS). Python 3.6 or later, standard library only, one file, ASCII only (the client
# sends it as bytes and the remote reads exactly that many). Same command line and wire protocol as the native
# server (core/src/server): sync header, PING, ROUTES, then TCP/DNS/UDP channels opened by the client.
# One thread, one selectors loop; every socket is non-blocking; a failing connection only ends that channel.

import collections
import errno
import heapq
import ipaddress
import os
import random
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

SYNC_HEADER = b"\0\0SSHUTTLE0001"
CMD_EXIT = 0x4200
CMD_PING = 0x4201
CMD_PONG = 0x4202
CMD_TCP_CONNECT = 0x4203
CMD_TCP_STOP_SENDING = 0x4204
CMD_TCP_EOF = 0x4205
CMD_TCP_DATA = 0x4206
CMD_ROUTES = 0x4207
CMD_HOST_REQ = 0x4208
CMD_HOST_LIST = 0x4209
CMD_DNS_REQ = 0x420A
CMD_DNS_RESPONSE = 0x420B
CMD_UDP_OPEN = 0x420C
CMD_UDP_DATA = 0x420D
CMD_UDP_CLOSE = 0x420E
COMMAND_NAMES = {
    CMD_EXIT: "EXIT", CMD_PING: "PING", CMD_PONG: "PONG", CMD_TCP_CONNECT: "TCP_CONNECT",
    CMD_TCP_STOP_SENDING: "TCP_STOP_SENDING", CMD_TCP_EOF: "TCP_EOF", CMD_TCP_DATA: "TCP_DATA",
    CMD_ROUTES: "ROUTES", CMD_HOST_REQ: "HOST_REQ", CMD_HOST_LIST: "HOST_LIST", CMD_DNS_REQ: "DNS_REQ",
    CMD_DNS_RESPONSE: "DNS_RESPONSE", CMD_UDP_OPEN: "UDP_OPEN", CMD_UDP_DATA: "UDP_DATA",
    CMD_UDP_CLOSE: "UDP_CLOSE",
}
OPENING_COMMANDS = (CMD_TCP_CONNECT, CMD_DNS_REQ, CMD_UDP_OPEN)
HEADER = struct.Struct("!2sHHH")  # 'SS', channel, command, payload length; big-endian
MAX_PAYLOAD = 65535
WIRE_FAMILY_IPV4 = 2  # the Linux numbers travel on the wire, whatever this OS calls them
WIRE_FAMILY_IPV6 = 10
MUX_READ_BYTES = 256 * 1024
BATCH_BYTES = 256 * 1024  # frames gathered into one write of the transport
MAX_GATHER = 16  # frames per socket sendmsg
MAX_DATAGRAM = MAX_PAYLOAD - 64  # room for the "ip,port," prefix of UDP_DATA
DNS_TRIES = 3
DNS_TRY_TIMEOUT = 10.0
SO_MARK = getattr(socket, "SO_MARK", 36)  # Linux only; --mark is only passed in local mode, which is Linux
WOULD_BLOCK = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)

verbosity = 0
syslog_module = None  # --syslog: lines go to the remote host's syslog (ident sshuttle, facility daemon)


def log(text):
    if syslog_module is not None:
        syslog_module.syslog(syslog_module.LOG_NOTICE, "s: " + text)
        return
    try:
        sys.stderr.write("s: " + text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # nowhere to report to (the client's stderr has gone); serving goes on


def debug(text):
    if verbosity >= 1:
        log(text)


def trace(text):
    if verbosity >= 2:
        log(text)


def command_name(cmd):
    return COMMAND_NAMES.get(cmd, "0x%04x" % cmd)


class FlowLimits(object):
    # The same bounds as the native server (core/src/mux/flow_limits.hpp): per channel and in total for bytes
    # queued towards the client, and for bytes received but not yet written to local sockets.
    def __init__(self, latency_control, latency_buffer_size):
        buf = max(latency_buffer_size, 2048)
        if latency_control:
            self.per_channel = buf
            self.total = buf * 8
            self.receive_backlog = max(buf * 256, 8 << 20)
        else:
            self.per_channel = max(buf * 32, 1 << 20)
            self.total = max(buf * 512, 16 << 20)
            self.receive_backlog = max(buf * 1024, 32 << 20)
        self.read_bytes = min(max(self.per_channel, MAX_PAYLOAD), 4 * MAX_PAYLOAD)
        # One socket that does not drain must not stall the transport (docs/mux-extension.md): over this
        # backlog and without progress for STUCK_TIMEOUT its channel is reset; past the cap, or while the budget
        # holds reading paused, once it has taken nothing for STUCK_GRACE while over the backlog.
        self.channel_backlog = (1 << 20) if latency_control else (4 << 20)
        self.channel_cap = 4 * self.channel_backlog
        self.receive_backlog = max(self.receive_backlog, 2 * self.channel_cap)


STUCK_TIMEOUT = 45.0  # seconds, as MuxOptions::stuck_timeout of the native server
# As Mux::stuck_grace: a socket that took nothing for this long while over its bound is stuck, not descheduled
# or still connecting; until then the receive budget bounds it.
STUCK_GRACE = min(STUCK_TIMEOUT, 1.0)
MAX_PENDING_PONGS = 16  # as Mux::kMaxPendingPongs


class Timer(object):
    __slots__ = ("deadline", "callback", "cancelled")

    def __init__(self, deadline, callback):
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False

    def cancel(self):
        self.cancelled = True

    def __lt__(self, other):
        return self.deadline < other.deadline


class Loop(object):
    """selectors plus one-shot timers. Handlers are callables taking the ready event mask."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self.timers = []
        self.idle_hooks = []  # run before every wait for events (the mux writes its queued frames there)
        self.running = True

    def watch(self, fileobj, events, handler):
        """Sets the events wanted for fileobj (0 = none). Must be called with 0 before fileobj is closed."""
        try:
            key = self.selector.get_key(fileobj)
        except (KeyError, ValueError):
            key = None
        if key is None:
            if events:
                self.selector.register(fileobj, events, handler)
        elif not events:
            self.selector.unregister(fileobj)
        elif key.events != events or key.data != handler:  # bound methods compare equal, never identical
            self.selector.modify(fileobj, events, handler)

    def handler_failed(self, key, error):
        """Hands the error to the object whose handler failed (its crashed() ends just that object)."""
        owner = getattr(key.data, "__self__", None)
        try:
            owner.crashed(error)
        except Exception as e:
            log("internal error: %s: %s; ignoring that socket from now on" % (type(e).__name__, e))
            if self.selector.get_map().get(key.fd) is key:
                self.selector.unregister(key.fileobj)  # it must not make every later select() return at once

    def call_later(self, delay, callback):
        timer = Timer(time.monotonic() + delay, callback)
        heapq.heappush(self.timers, timer)
        return timer

    def run(self):
        while self.running:
            for hook in self.idle_hooks:
                if self.running:
                    hook()
            if not self.running:
                break
            timeout = None
            while self.timers and self.timers[0].cancelled:
                heapq.heappop(self.timers)
            if self.timers:
                timeout = max(0.0, self.timers[0].deadline - time.monotonic())
            for key, mask in self.selector.select(timeout):
                if not self.running:
                    break
                try:
                    key.data(mask)
                except Exception as e:  # a bug in one handler must not end every connection
                    self.handler_failed(key, e)
            now = time.monotonic()
            while self.running and self.timers and (self.timers[0].cancelled or self.timers[0].deadline <= now):
                timer = heapq.heappop(self.timers)
                if not timer.cancelled:
                    try:
                        timer.callback()
                    except Exception as e:
                        log("internal error in a timer: %s: %s" % (type(e).__name__, e))


def set_mark(sock, mark):
    if mark:
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
        except OSError as e:
            log("setting SO_MARK 0x%x failed: %s" % (mark, e.strerror))


class Mux(object):
    """The mux on two file descriptors: frames in, frames out, fair between channels, bounded queues."""

    def __init__(self, loop, rfd, wfd, limits):
        self.loop = loop
        self.rfd = rfd
        self.wfd = wfd
        self.limits = limits
        self.channels = {}
        self.on_open = None
        self.closed = False
        self.exit_status = 0
        self.inbuf = bytearray()
        self.control = []  # control frames go first in every batch
        self.queues = {}  # channel -> deque of encoded frames
        self.queue_bytes = {}
        self.round_robin = collections.deque()
        self.queued = 0  # bytes not yet written: control + queues + the unwritten part of the batch
        self.batch = b""
        self.batch_offset = 0
        self.waiting = collections.OrderedDict()  # channels waiting for room, in arrival order
        self.backlog = 0  # bytes received for local sockets and not yet written, all channels
        self.backlogged = 0  # channels with a non-empty backlog
        self.pending_pongs = 0  # PONGs not yet written
        self.reading = False
        self.budget_timer = None  # paused: look at the stuck sockets again when a grace has passed
        self.write_blocked = False
        self.host_req_logged = False
        loop.idle_hooks.append(self.flush)

    def start(self):
        self.queued += len(SYNC_HEADER)
        self.control.append(SYNC_HEADER)
        self.send(0, CMD_PING, b"chicken")  # what upstream sends; the client echoes it
        self.update_reading()

    def close(self, reason, clean=False):
        if self.closed:
            return
        self.closed = True
        if clean:
            debug("mux closed: %s" % reason)
        else:
            log("fatal: %s" % reason)
            self.exit_status = 1
        self.loop.watch(self.rfd, 0, None)
        self.loop.watch(self.wfd, 0, None)
        if self.budget_timer is not None:
            self.budget_timer.cancel()
            self.budget_timer = None
        for channel in list(self.channels.values()):
            channel.abort()
        self.channels.clear()
        self.loop.running = False

    # --- sending -----------------------------------------------------------------------------------------------
    def send(self, channel, cmd, payload=b""):
        if self.closed:
            return
        frame = HEADER.pack(b"SS", channel, cmd, len(payload)) + payload
        trace("> chan=%d cmd=%s len=%d" % (channel, command_name(cmd), len(payload)))
        self.queued += len(frame)
        if channel == 0:
            self.control.append(frame)
            return
        queue = self.queues.get(channel)
        if queue is None:
            queue = self.queues[channel] = collections.deque()
            self.queue_bytes[channel] = 0
            self.round_robin.append(channel)
        queue.append(frame)
        self.queue_bytes[channel] += len(frame)

    def send_data(self, channel, data):
        view = memoryview(data)
        for start in range(0, len(view), MAX_PAYLOAD):
            self.send(channel, CMD_TCP_DATA, bytes(view[start:start + MAX_PAYLOAD]))

    def can_send(self, channel):
        return (not self.closed and self.queued < self.limits.total and
                self.queue_bytes.get(channel, 0) < self.limits.per_channel)

    def wait_for_room(self, channel):
        self.waiting[channel] = True

    def fill_batch(self):
        parts = self.control
        self.control = []
        self.pending_pongs = 0  # counted as written once in a batch: the batch itself is bounded
        size = sum(len(p) for p in parts)
        while size < BATCH_BYTES and self.round_robin:
            channel = self.round_robin.popleft()
            queue = self.queues[channel]
            frame = queue.popleft()
            parts.append(frame)
            size += len(frame)
            self.queue_bytes[channel] -= len(frame)
            if queue:
                self.round_robin.append(channel)
            else:
                del self.queues[channel]
                del self.queue_bytes[channel]
        self.batch = b"".join(parts)
        self.batch_offset = 0

    def flush(self):
        """Writes queued frames until the transport would block (called before every wait for events)."""
        while not self.closed and not self.write_blocked:
            if self.batch_offset >= len(self.batch):
                self.fill_batch()
                if not self.batch:
                    break
            try:
                n = os.write(self.wfd, memoryview(self.batch)[self.batch_offset:])
            except OSError as e:
                if e.errno in WOULD_BLOCK:
                    self.write_blocked = True
                    self.loop.watch(self.wfd, selectors.EVENT_WRITE, self.on_writable)
                    break
                self.close("writing to the client failed: %s" % e.strerror)
                return
            self.batch_offset += n
            self.queued -= n
            self.notify_waiting()

    def on_writable(self, mask):
        self.write_blocked = False
        self.loop.watch(self.wfd, 0, None)
        self.flush()

    def notify_waiting(self):
        for channel in list(self.waiting):
            if self.closed or self.queued >= self.limits.total:
                return
            endpoint = self.channels.get(channel)
            if endpoint is None:
                del self.waiting[channel]
            elif self.can_send(channel):
                del self.waiting[channel]
                endpoint.on_send_ready()

    # --- receiving ---------------------------------------------------------------------------------------------
    def add_backlog(self, before, after):
        """A channel's backlog went from before to after bytes."""
        self.backlog += after - before
        self.backlogged += (after > 0) - (before > 0)
        if after < before and not self.reading and self.backlog <= self.limits.receive_backlog // 2:
            self.update_reading()

    def update_reading(self):
        # Over the receive budget (and while paused by it), stuck sockets (over their bound, nothing taken for the
        # grace) are reset first, so a pause only ever waits for sockets that are draining; one stuck
        # socket never stalls the transport.
        if self.closed:
            return
        if self.backlog > self.limits.receive_backlog or not self.reading:
            now = time.monotonic()
            for endpoint in list(self.channels.values()):
                if isinstance(endpoint, TcpChannel) and endpoint.stuck_past_grace(now):
                    log("channel %d: reading waits for the receive budget and its socket takes none of its %d bytes: "
                        "resetting it" % (endpoint.channel, endpoint.to_socket_bytes))
                    endpoint.reset()
            if self.closed:
                return
        if self.reading and self.backlog > self.limits.receive_backlog:
            self.reading = False
        elif not self.reading and self.backlog <= self.limits.receive_backlog // 2:
            self.reading = True
        self.loop.watch(self.rfd, selectors.EVENT_READ if self.reading else 0, self.on_readable)
        # Draining sockets resume reading themselves (add_backlog); one still within its grace when the pause
        # began is looked at again once the grace is over, so that a stuck one is reset then and not after
        # STUCK_TIMEOUT with every channel frozen meanwhile.
        if not self.reading and self.budget_timer is None:
            self.budget_timer = self.loop.call_later(STUCK_GRACE, self.on_budget_timer)

    def on_budget_timer(self):
        self.budget_timer = None
        self.update_reading()

    def on_readable(self, mask):
        try:
            data = os.read(self.rfd, MUX_READ_BYTES)
        except OSError as e:
            if e.errno in WOULD_BLOCK:
                return
            self.close("reading from the client failed: %s" % e.strerror)
            return
        if not data:
            if self.inbuf:
                self.close("the client closed the stream inside a frame (%d bytes of a truncated frame)"
                           % len(self.inbuf))
            else:
                self.close("the client closed the stream", clean=True)
            return
        self.inbuf += data
        offset = 0
        size = len(self.inbuf)
        while not self.closed and size - offset >= HEADER.size:
            magic, channel, cmd, length = HEADER.unpack_from(self.inbuf, offset)
            if magic != b"SS":
                self.close("protocol error: bad frame magic %r" % bytes(magic))
                return
            if size - offset < HEADER.size + length:
                break
            start = offset + HEADER.size
            payload = bytes(self.inbuf[start:start + length])
            offset = start + length
            self.dispatch(channel, cmd, payload)
        del self.inbuf[:offset]
        if self.backlog > self.limits.receive_backlog:
            self.update_reading()

    def dispatch(self, channel, cmd, payload):
        trace("< chan=%d cmd=%s len=%d" % (channel, command_name(cmd), len(payload)))
        if cmd not in COMMAND_NAMES:
            self.close("protocol error: unknown command %s on channel %d" % (command_name(cmd), channel))
            return
        if cmd in OPENING_COMMANDS:
            if channel == 0 or channel in self.channels:
                log("dropped %s on channel %d: %s" % (command_name(cmd), channel,
                    "channel 0 is for control" if channel == 0 else "channel already in use"))
                return
            self.guarded(channel, lambda: self.on_open(channel, cmd, payload))
            return
        endpoint = self.channels.get(channel)
        if endpoint is not None:
            self.guarded(channel, lambda: endpoint.on_frame(cmd, payload))
        elif cmd == CMD_PING:
            # Every PING is answered, but a client that does not read its PONGs cannot make the queue grow.
            if self.pending_pongs < MAX_PENDING_PONGS:
                self.pending_pongs += 1
                self.send(0, CMD_PONG, payload)
        elif cmd == CMD_EXIT:
            self.close("the client sent EXIT", clean=True)
        elif cmd == CMD_HOST_REQ:
            if not self.host_req_logged:
                self.host_req_logged = True
                log("host list requested (-H/--seed-hosts): not supported by the Python server")
        elif cmd not in (CMD_PONG, CMD_ROUTES, CMD_HOST_LIST):
            # Normal after a close race: the client's frames were in flight when this side finished.
            debug("closed channel %d got cmd=%s len=%d" % (channel, command_name(cmd), len(payload)))

    def guarded(self, channel, action):
        try:
            action()
        except Exception as e:  # one bad connection never ends the server
            endpoint = self.channels.pop(channel, None)
            if endpoint is None:
                log("channel %d: internal error: %s: %s" % (channel, type(e).__name__, e))
                return
            try:
                endpoint.crashed(e)
            except Exception:
                endpoint.abort()

    def crashed(self, error):
        self.close("internal error: %s: %s" % (type(error).__name__, error))

    def attach(self, channel, endpoint):
        self.channels[channel] = endpoint

    def detach(self, channel, endpoint):
        if self.channels.get(channel) is endpoint:
            del self.channels[channel]


def parse_ip(text):
    """A numeric IPv4/IPv6 address (never a name), or None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_port(text):
    if not text.isdigit() or int(text) > 65535:
        return None
    return int(text)


def unmapped(host):
    """recvfrom on an IPv6 socket reports IPv4 peers as ::ffff:a.b.c.d; the client wants a.b.c.d."""
    if host.startswith("::ffff:") and "." in host:
        return host[7:]
    return host


class TcpChannel(object):
    """One TCP_CONNECT: a connection to the destination, with half-close in both directions.
    to_peer_done: nothing more goes to the client (socket EOF, or the client sent STOP_SENDING).
    from_peer_done: nothing more comes from the client (it sent EOF, or our socket cannot take more)."""

    def __init__(self, server, channel):
        self.loop = server.loop
        self.mux = server.mux
        self.channel = channel
        self.sock = None
        self.connecting = False
        self.to_socket = collections.deque()
        self.to_socket_bytes = 0
        self.shutdown_pending = False
        self.to_peer_done = False
        self.from_peer_done = False
        self.read_bytes = server.mux.limits.read_bytes
        self.stuck_timer = None
        self.progressed = False  # took bytes in this period of the stuck timer
        # Since when the socket has taken nothing: set when its backlog reaches the channel bound and on every
        # write that moves bytes. Over the bound and quiet for STUCK_GRACE, it is stuck.
        self.quiet_since = 0.0

    def connect(self, payload, mark):
        fields = payload.decode("ascii", "replace").split(",", 2)
        family = int(fields[0]) if len(fields) == 3 and fields[0].isdigit() else None
        address = parse_ip(fields[1]) if family is not None else None
        port = parse_port(fields[2]) if address is not None else None
        if port is None or address.version != (4 if family == WIRE_FAMILY_IPV4 else 6):
            log("channel %d: invalid TCP_CONNECT %r: expected 'family,ip,port'" % (self.channel, payload[:80]))
            self.refuse()
            return
        debug("channel %d: connecting to [%s]:%d" % (self.channel, address, port))
        try:
            self.sock = socket.socket(socket.AF_INET if address.version == 4 else socket.AF_INET6,
                                      socket.SOCK_STREAM)
            self.sock.setblocking(False)
            set_mark(self.sock, mark)
            err = self.sock.connect_ex((str(address), port))
        except OSError as e:
            err = e.errno
        if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            log("connect to [%s]:%d failed: %s" % (address, port, os.strerror(err)))
            self.refuse()
            return
        self.connecting = True
        self.target = "[%s]:%d" % (address, port)
        self.update()

    def refuse(self):
        # A failed connect looks to the client's application like a connection that closes with no data.
        self.end_to_peer(True)
        self.on_socket_write_failed()

    def update(self):
        """Recomputes what this channel waits for on its socket."""
        if self.sock is None:
            return
        events = 0
        if self.connecting:
            events = selectors.EVENT_WRITE
        else:
            if not self.to_peer_done:
                if self.mux.can_send(self.channel):
                    events |= selectors.EVENT_READ
                else:
                    self.mux.wait_for_room(self.channel)
            if self.to_socket or self.shutdown_pending:
                events |= selectors.EVENT_WRITE
        self.loop.watch(self.sock, events, self.on_event)

    def on_send_ready(self):
        self.update()

    def on_event(self, mask):
        if self.sock is None:
            return
        if self.connecting:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                log("connect to %s failed: %s" % (self.target, os.strerror(err)))
                self.refuse()
                return
            self.connecting = False
            debug("channel %d: connected to %s" % (self.channel, self.target))
            try:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            self.update()
            return
        if mask & selectors.EVENT_READ:
            self.read_socket()
        if mask & selectors.EVENT_WRITE and self.sock is not None:
            self.write_socket()
        self.update()

    def read_socket(self):
        if self.to_peer_done:
            return
        try:
            data = self.sock.recv(self.read_bytes)
        except OSError as e:
            if e.errno in WOULD_BLOCK:
                return
            debug("channel %d: read: %s" % (self.channel, e.strerror))
            data = b""
        if data:
            self.mux.send_data(self.channel, data)
        else:
            self.end_to_peer(True)

    def write_socket(self):
        if self.to_socket:
            try:
                n = self.sock.sendmsg([self.to_socket[i] for i in range(min(len(self.to_socket), MAX_GATHER))])
            except OSError as e:
                if e.errno in WOULD_BLOCK:
                    return
                debug("channel %d: write: %s" % (self.channel, e.strerror))
                self.on_socket_write_failed()
                return
            self.set_backlog(self.to_socket_bytes - n)
            if n > 0:
                self.progressed = True
                self.quiet_since = time.monotonic()
            while n:
                head = self.to_socket[0]
                if n >= len(head):
                    n -= len(head)
                    self.to_socket.popleft()
                else:
                    self.to_socket[0] = head[n:]
                    n = 0
        if not self.to_socket and self.shutdown_pending:
            self.shutdown_pending = False
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        self.maybe_finish()

    def end_to_peer(self, tell_peer):
        if self.to_peer_done:
            return
        self.to_peer_done = True
        if tell_peer:
            self.mux.send(self.channel, CMD_TCP_EOF)
        self.maybe_finish()

    def set_backlog(self, size):
        # The channel's own count first: add_backlog may resume reading, which looks at every channel again.
        before, self.to_socket_bytes = self.to_socket_bytes, size
        self.mux.add_backlog(before, size)

    def stuck_past_grace(self, now):
        return self.to_socket_bytes >= self.mux.limits.channel_backlog and now - self.quiet_since >= STUCK_GRACE

    def watch_stuck(self):
        if self.stuck_timer is None and self.to_socket_bytes >= self.mux.limits.channel_backlog:
            self.progressed = False
            self.stuck_timer = self.loop.call_later(STUCK_TIMEOUT, self.check_stuck)

    def check_stuck(self):
        self.stuck_timer = None
        if self.mux.closed or self.to_socket_bytes < self.mux.limits.channel_backlog:
            return
        if self.progressed:
            self.watch_stuck()  # slow but moving: watch the next period
            return
        log("channel %d: its socket took no byte for %d s while %d bytes waited: resetting it"
            % (self.channel, STUCK_TIMEOUT, self.to_socket_bytes))
        self.reset()

    def reset(self):
        """Ends the channel at once: RST to the destination, TCP_EOF + TCP_STOP_SENDING to the client."""
        if self.stuck_timer is not None:
            self.stuck_timer.cancel()
            self.stuck_timer = None
        self.set_backlog(0)
        self.to_socket.clear()
        self.shutdown_pending = False
        if self.sock is not None:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_socket()
        if not self.to_peer_done:
            self.to_peer_done = True
            self.mux.send(self.channel, CMD_TCP_EOF)
        if not self.from_peer_done:
            self.from_peer_done = True
            self.mux.send(self.channel, CMD_TCP_STOP_SENDING)
        self.maybe_finish()

    def on_socket_write_failed(self):
        self.set_backlog(0)
        self.to_socket.clear()
        self.shutdown_pending = False
        if not self.from_peer_done:
            self.from_peer_done = True
            self.mux.send(self.channel, CMD_TCP_STOP_SENDING)
        self.maybe_finish()

    def on_frame(self, cmd, payload):
        if cmd == CMD_TCP_DATA:
            if self.from_peer_done:
                return  # after STOP_SENDING the client may still have had data in flight
            self.to_socket.append(payload)
            if self.to_socket_bytes < self.mux.limits.channel_backlog <= self.to_socket_bytes + len(payload):
                # Reached the bound: from now on it must show progress.
                self.progressed = False
                self.quiet_since = time.monotonic()
            self.set_backlog(self.to_socket_bytes + len(payload))
            # Past the cap, a socket that took nothing for the grace is stuck; a slow one, or one
            # still connecting or descheduled, is bounded by the receive budget (Mux.update_reading) instead.
            if (self.to_socket_bytes > self.mux.limits.channel_cap and
                    self.stuck_past_grace(time.monotonic())):
                log("channel %d: %d bytes wait for a socket that takes nothing: resetting it"
                    % (self.channel, self.to_socket_bytes))
                self.reset()
                return
            self.watch_stuck()
        elif cmd == CMD_TCP_EOF:
            if not self.from_peer_done:
                self.from_peer_done = True
                self.shutdown_pending = True  # once the queue is written
        elif cmd == CMD_TCP_STOP_SENDING:
            self.end_to_peer(False)
        else:
            debug("channel %d: unexpected %s ignored" % (self.channel, command_name(cmd)))
            return
        if self.connecting or self.sock is None:
            return
        self.update()
        self.maybe_finish()

    def maybe_finish(self):
        if not (self.to_peer_done and self.from_peer_done):
            return
        self.mux.detach(self.channel, self)
        if not self.to_socket and not self.shutdown_pending:
            self.close_socket()

    def close_socket(self):
        if self.sock is not None:
            self.loop.watch(self.sock, 0, None)
            self.sock.close()
            self.sock = None

    def abort(self):
        self.set_backlog(0)
        self.to_socket.clear()
        if self.stuck_timer is not None:
            self.stuck_timer.cancel()
            self.stuck_timer = None
        self.close_socket()

    def crashed(self, error):
        log("channel %d: internal error: %s: %s; closing it" % (self.channel, type(error).__name__, error))
        self.end_to_peer(True)
        self.on_socket_write_failed()
        self.mux.detach(self.channel, self)
        self.abort()


def parse_resolv_conf(text):
    """The nameserver addresses of a resolv.conf text, by the rules of the native server's net::parse_resolv_conf
    (glibc's): "nameserver" first on the line, in lower case, then a blank; the next word, zone id dropped."""
    servers = []
    for line in text.split("\n"):
        if not line.startswith(("nameserver ", "nameserver\t")):
            continue
        value = line[len("nameserver"):].lstrip(" \t")
        for end, c in enumerate(value):
            if c in " \t\r\v\f":
                value = value[:end]
                break
        # A zone id ("fe80::1%eth0") means nothing here and breaks the address.
        address = parse_ip(value.split("%", 1)[0])
        if address is not None:
            servers.append(address)
    return servers


def read_resolv_conf(path="/etc/resolv.conf"):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("latin-1")
    except OSError:
        return []
    return [(address, 53) for address in parse_resolv_conf(text)]


class DnsRequest(object):
    """One DNS_REQ: the raw query to a nameserver by UDP, 3 tries with a random server each; the first reply
    goes back as DNS_RESPONSE. A failing query only logs."""

    def __init__(self, server, channel, query):
        self.loop = server.loop
        self.mux = server.mux
        self.channel = channel
        self.query = query
        self.mark = server.options.mark
        self.servers = [server.options.to_ns] if server.options.to_ns else read_resolv_conf()
        if not self.servers:
            self.servers = [(ipaddress.ip_address("127.0.0.1"), 53)]
        self.tries = 0
        self.sock = None
        self.timer = None
        self.done = False
        self.mux.attach(channel, self)

    def try_next(self):
        self.close_socket()
        while not self.done:
            if self.tries >= DNS_TRIES:
                log("DNS request on channel %d: no reply after %d tries" % (self.channel, DNS_TRIES))
                self.finish()
                return
            self.tries += 1
            address, port = random.choice(self.servers)
            try:
                self.sock = socket.socket(socket.AF_INET if address.version == 4 else socket.AF_INET6,
                                          socket.SOCK_DGRAM)
                self.sock.setblocking(False)
                set_mark(self.sock, self.mark)
                # connect() filters replies to this server; its errors (ENETUNREACH) are per query.
                self.sock.connect((str(address), port))
                self.sock.send(self.query)
            except OSError as e:
                log("DNS request to [%s]:%d failed: %s" % (address, port, e.strerror))
                self.close_socket()
                continue
            self.loop.watch(self.sock, selectors.EVENT_READ, self.on_reply)
            self.timer = self.loop.call_later(DNS_TRY_TIMEOUT, self.try_next)
            return

    def on_reply(self, mask):
        try:
            reply = self.sock.recv(MAX_PAYLOAD)
        except OSError as e:
            if e.errno in WOULD_BLOCK:
                return
            debug("DNS reply on channel %d: %s" % (self.channel, e.strerror))  # e.g. ICMP port unreachable
            self.try_next()
            return
        self.mux.send(self.channel, CMD_DNS_RESPONSE, reply)
        self.finish()

    def close_socket(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.sock is not None:
            self.loop.watch(self.sock, 0, None)
            self.sock.close()
            self.sock = None

    def finish(self):
        self.done = True
        self.close_socket()
        self.mux.detach(self.channel, self)

    def on_frame(self, cmd, payload):
        debug("DNS channel %d: unexpected %s ignored" % (self.channel, command_name(cmd)))

    def abort(self):
        self.done = True
        self.close_socket()

    def crashed(self, error):
        log("DNS channel %d: internal error: %s: %s" % (self.channel, type(error).__name__, error))
        self.finish()


class UdpFlow(object):
    """One UDP_OPEN: an unconnected UDP socket; datagrams both ways until UDP_CLOSE."""

    def __init__(self, server, channel, payload):
        self.loop = server.loop
        self.mux = server.mux
        self.channel = channel
        self.is_v6 = payload.strip() != b"2"
        self.mux.attach(channel, self)
        try:
            self.sock = socket.socket(socket.AF_INET6 if self.is_v6 else socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setblocking(False)
            set_mark(self.sock, server.options.mark)
        except OSError as e:
            log("UDP_OPEN on channel %d (family %r) failed: %s" % (channel, payload[:16], e.strerror))
            self.sock = None
            self.mux.detach(channel, self)
            return
        self.loop.watch(self.sock, selectors.EVENT_READ, self.on_readable)

    def on_readable(self, mask):
        try:
            data, sender = self.sock.recvfrom(MAX_DATAGRAM)
        except OSError as e:
            # ICMP errors (port unreachable) show up here; they are per datagram, the flow stays.
            if e.errno not in WOULD_BLOCK:
                debug("UDP channel %d: %s" % (self.channel, e.strerror))
            return
        if not self.mux.can_send(self.channel):
            trace("UDP channel %d: tunnel busy, dropped %d bytes" % (self.channel, len(data)))
            return
        prefix = ("%s,%d," % (unmapped(sender[0]), sender[1])).encode("ascii")
        self.mux.send(self.channel, CMD_UDP_DATA, prefix + data)

    def on_frame(self, cmd, payload):
        if cmd == CMD_UDP_CLOSE:
            self.abort()
            self.mux.detach(self.channel, self)
            return
        if cmd != CMD_UDP_DATA:
            debug("UDP channel %d: unexpected %s ignored" % (self.channel, command_name(cmd)))
            return
        fields = payload.split(b",", 2)
        address = parse_ip(fields[0].decode("ascii", "replace")) if len(fields) == 3 else None
        port = parse_port(fields[1].decode("ascii", "replace")) if address is not None else None
        if port is None:
            log("UDP channel %d: invalid UDP_DATA header %r: expected 'ip,port,'" % (self.channel, payload[:64]))
            return
        host = str(address)
        if self.is_v6 and address.version == 4:
            host = "::ffff:" + host  # an IPv6 socket reaches IPv4 destinations through a mapped address
        try:
            self.sock.sendto(fields[2], (host, port))
        except OSError as e:
            debug("UDP channel %d: send to %s failed: %s" % (self.channel, host, e.strerror))

    def abort(self):
        if self.sock is not None:
            self.loop.watch(self.sock, 0, None)
            self.sock.close()
            self.sock = None

    def crashed(self, error):
        log("UDP channel %d: internal error: %s: %s" % (self.channel, type(error).__name__, error))
        self.abort()
        self.mux.detach(self.channel, self)


def route_wanted(address, width):
    if width == 0 or address.is_unspecified or address.is_loopback or address.is_multicast:
        return False
    if address.version == 4:
        return int(address) >> 24 != 0  # 0.x.x.x, like upstream
    return not address.is_link_local


def parse_ip_route(output):
    routes = []
    for line in output.splitlines():
        words = line.split()
        if not words:
            continue
        text, _, width_text = words[0].partition("/")
        address = parse_ip(text)
        if address is None:
            continue  # "default", "local ...", "unreachable ..."
        max_width = 32 if address.version == 4 else 128
        width = max_width
        if width_text:
            if not width_text.isdigit() or int(width_text) > max_width:
                continue
            width = int(width_text)
        if route_wanted(address, width):
            routes.append((address, width))
    return routes


def read_proc_routes():
    """/proc/net/route and /proc/net/ipv6_route, for Linux hosts without the ip command."""
    routes = []
    try:
        with open("/proc/net/route") as f:
            for line in f.readlines()[1:]:
                words = line.split()
                if len(words) < 8:
                    continue
                destination = struct.pack("<I", int(words[1], 16))
                width = bin(int(words[7], 16)).count("1")
                address = ipaddress.ip_address(destination)
                if route_wanted(address, width):
                    routes.append((address, width))
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/net/ipv6_route") as f:
            for line in f:
                words = line.split()
                if len(words) < 2:
                    continue
                address = ipaddress.ip_address(bytes.fromhex(words[0]))
                width = int(words[1], 16)
                if route_wanted(address, width):
                    routes.append((address, width))
    except (OSError, ValueError):
        pass
    return routes


def list_local_routes():
    routes = []
    for argv in (["ip", "route", "show"], ["ip", "-6", "route", "show"]):
        try:
            output = subprocess.check_output(argv, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError) as e:
            debug("auto-nets: '%s' failed (%s); reading /proc instead" % (" ".join(argv), e))
            return read_proc_routes()
        routes.extend(parse_ip_route(output.decode("ascii", "replace")))
    return routes


def routes_payload(routes):
    """The ROUTES lines that fit in one frame (the client reads only the first ROUTES)."""
    payload = ""
    for address, width in routes:
        line = "%d,%s,%d\n" % (WIRE_FAMILY_IPV4 if address.version == 4 else WIRE_FAMILY_IPV6, address, width)
        if len(payload) + len(line) > MAX_PAYLOAD:
            log("too many routes for one ROUTES frame: announcing %d of %d" % (payload.count("\n"), len(routes)))
            break
        debug("available route: %s/%d" % (address, width))
        payload += line
    return payload.encode("ascii")


class Options(object):
    def __init__(self):
        self.server = False
        self.version = False
        self.verbosity = 0
        self.latency_control = True
        self.latency_buffer_size = 32768
        self.to_ns = None
        self.auto_nets = False
        self.mark = 0
        self.syslog = False


class UsageError(Exception):
    pass


def parse_unsigned(text):
    base = 10
    if text[:2] in ("0x", "0X"):
        text, base = text[2:], 16
    try:
        if not text or not text.isalnum():
            return None
        return int(text, base)
    except ValueError:
        return None


def parse_to_ns(text):
    host, at, port_text = text.rpartition("@")
    if not at:
        host, port_text = text, "0"
    port = parse_unsigned(port_text)
    address = parse_ip(host)
    if port is None or port > 65535 or address is None:
        return None
    return (address, port or 53)


def parse_args(args):
    """The native helper's command line (core/src/server/helper_args.cpp)."""
    options = Options()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1

        def value():
            if i >= len(args):
                raise UsageError("option '%s' needs a value" % arg)
            return args[i]

        if arg == "--server":
            options.server = True
        elif arg == "--version":
            options.version = True
        elif len(arg) >= 2 and arg[0] == "-" and arg[1:] == "v" * (len(arg) - 1):
            options.verbosity += len(arg) - 1
        elif arg == "--verbose":
            options.verbosity += 1
        elif arg == "--no-latency-control":
            options.latency_control = False
        elif arg == "--auto-nets":
            options.auto_nets = True
        elif arg == "--syslog":
            options.syslog = True
        elif arg == "--latency-buffer-size":
            text = value()
            i += 1
            options.latency_buffer_size = parse_unsigned(text)
            if not options.latency_buffer_size:
                raise UsageError("invalid --latency-buffer-size '%s': expected a positive number" % text)
        elif arg == "--to-ns":
            text = value()
            i += 1
            options.to_ns = parse_to_ns(text)
            if options.to_ns is None:
                raise UsageError("invalid --to-ns '%s': expected a numeric ip[@port]" % text)
        elif arg == "--mark":
            text = value()
            i += 1
            options.mark = parse_unsigned(text)
            if options.mark is None or options.mark > 0xFFFFFFFF:
                raise UsageError("invalid --mark '%s': expected a 32-bit number" % text)
        else:
            raise UsageError("unknown argument '%s'" % arg)
    if not options.server and not options.version:
        raise UsageError("missing --server (this program only runs the sshuttle server)")
    return options


def raise_fd_limit():
    """Every proxied connection costs an fd: raise the soft limit (often 1024) to the hard limit."""
    try:
        import resource  # missing on some minimal Python builds: then the limit stays
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError) as e:
        debug("raising the open-file limit failed: %s" % e)


class Server(object):
    def __init__(self, options, rfd=0, wfd=1):
        self.options = options
        self.loop = Loop()
        for fd in (rfd, wfd):
            os.set_blocking(fd, False)
        self.mux = Mux(self.loop, rfd, wfd, FlowLimits(options.latency_control, options.latency_buffer_size))
        self.mux.on_open = self.open_channel

    def open_channel(self, channel, cmd, payload):
        if cmd == CMD_TCP_CONNECT:
            tcp = TcpChannel(self, channel)
            self.mux.attach(channel, tcp)
            tcp.connect(payload, self.options.mark)
        elif cmd == CMD_DNS_REQ:
            DnsRequest(self, channel, payload).try_next()
        elif cmd == CMD_UDP_OPEN:
            UdpFlow(self, channel, payload)

    def run(self):
        debug("Python server %s, latency control: %s, buffer %d bytes"
              % (sys.version.split()[0], self.options.latency_control, self.options.latency_buffer_size))
        self.mux.start()
        routes = list_local_routes() if self.options.auto_nets else []
        self.mux.send(0, CMD_ROUTES, routes_payload(routes))
        self.loop.run()
        return self.mux.exit_status


def main(argv):
    global verbosity, syslog_module
    try:
        options = parse_args(argv)
    except UsageError as e:
        sys.stderr.write("sshuttle-server.py: %s\n" % e)
        return 2
    if options.version:
        sys.stdout.write("sshuttle-server.py (Python %s)\n" % sys.version.split()[0])
        return 0
    verbosity = options.verbosity
    if options.syslog:
        import syslog  # only when asked: the module is missing from some minimal Python builds
        syslog.openlog("sshuttle", 0, syslog.LOG_DAEMON)
        syslog_module = syslog
    # A client or destination going away must be EPIPE on that one socket, not the end of the server.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    raise_fd_limit()
    # Interrupted like the native server: quietly, not with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return Server(options).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
