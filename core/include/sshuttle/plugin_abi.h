/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sshuttle plugin ABI: the whole contract between the core and a plugin module.
 *
 * Plain C so that a plugin built by any C or C++ compiler, against any C++ runtime, loads safely.
 * Rules (see docs/plugin-sdk.md):
 *  - The host calls sshuttle_plugin_abi_version() first and refuses the module when the major differs or
 *    the plugin's minor is newer than the host's. No other symbol is touched before that check.
 *  - Every struct starts with struct_size. Structs grow only by appending members (a MINOR bump); the
 *    reader of a struct checks struct_size before trusting an appended member.
 *  - Strings and arrays passed into a call are borrowed for the duration of that call only.
 *  - Calls return an int status (SSHUTTLE_OK or a negative SSHUTTLE_E*) and fill the caller's error buffer.
 *    Nothing may unwind across the boundary: plugin_sdk.hpp wraps every entry point in try/catch.
 *  - Enumerations start at 1 so that a zeroed value is always invalid.
 */
#ifndef SSHUTTLE_PLUGIN_ABI_H
#define SSHUTTLE_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SSHUTTLE_ABI_MAJOR 1 /* incompatible change: the host rejects any other major */
#define SSHUTTLE_ABI_MINOR 4 /* appended members: the host rejects a plugin minor newer than its own */
#define SSHUTTLE_ABI_VERSION ((uint32_t)((SSHUTTLE_ABI_MAJOR << 16) | SSHUTTLE_ABI_MINOR))
#define SSHUTTLE_ABI_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define SSHUTTLE_ABI_VERSION_MINOR(v) ((uint32_t)(v)&0xffffu)

#if defined(_WIN32)
#define SSHUTTLE_EXPORT __declspec(dllexport)
#else
#define SSHUTTLE_EXPORT __attribute__((visibility("default")))
#endif

/* ---- status codes ---------------------------------------------------------------------------- */
enum {
    SSHUTTLE_OK = 0,
    SSHUTTLE_AGAIN = 1,            /* non-blocking call: not done yet, poll and call again */
    SSHUTTLE_EINVAL = -1,          /* bad argument or request */
    SSHUTTLE_EUNSUPPORTED = -2,    /* the plugin cannot do this (feature, platform) */
    SSHUTTLE_ESYSTEM = -3,         /* a system call failed; sys_errno is set */
    SSHUTTLE_ECOMMAND = -4,        /* an external command failed */
    SSHUTTLE_EINTERNAL = -5,       /* a bug or an exception caught at the boundary */
    SSHUTTLE_ECLOSED = -6,         /* the stream is closed */
    SSHUTTLE_EAUTH = -7,           /* transport: authentication failed */
    SSHUTTLE_EHOSTKEY = -8         /* transport: host key unknown or mismatched */
};

/** Error buffer owned by the caller; the callee fills it on failure. */
typedef struct sshuttle_error {
    int sys_errno;
    char message[512];
} sshuttle_error;

/** A key/value option passed to create(); both strings are borrowed. */
typedef struct sshuttle_kv {
    const char *key;
    const char *value;
} sshuttle_kv;

/* ---- services the host lends to a plugin ----------------------------------------------------- */
enum sshuttle_log_level {
    SSHUTTLE_LOG_TRACE = 1,
    SSHUTTLE_LOG_DEBUG = 2,
    SSHUTTLE_LOG_INFO = 3,
    SSHUTTLE_LOG_WARN = 4,
    SSHUTTLE_LOG_ERROR = 5
};

typedef struct sshuttle_host_v1 {
    uint32_t struct_size;
    void *ctx;
    /** Log one line through the host's logger. */
    void (*log)(void *ctx, int level, const char *message);
    /** Run argv (argv[0] looked up in PATH plus the sbin directories) with stdin_text (may be NULL)
     *  as its standard input. Captured stdout is delivered through out/out_ctx when out is not NULL.
     *  Returns the exit status (>= 0), or a negative SSHUTTLE_E* with err filled when it could not run.
     *  In --dry-run and in tests this records the command instead of running it. */
    int (*run)(void *ctx, const char *const *argv, const char *stdin_text,
               void (*out)(void *out_ctx, const char *data, size_t len), void *out_ctx,
               sshuttle_error *err);
    /** Non-zero when commands are only being recorded (--dry-run): plugins must not touch the system. */
    int dry_run;
} sshuttle_host_v1;

/* ---- firewall plugins ------------------------------------------------------------------------ */
enum sshuttle_feature {
    SSHUTTLE_FEAT_IPV4 = 1u << 0,
    SSHUTTLE_FEAT_IPV6 = 1u << 1,
    SSHUTTLE_FEAT_TCP = 1u << 2,
    SSHUTTLE_FEAT_UDP = 1u << 3,
    SSHUTTLE_FEAT_DNS = 1u << 4,
    SSHUTTLE_FEAT_USER = 1u << 5,
    SSHUTTLE_FEAT_GROUP = 1u << 6,
    SSHUTTLE_FEAT_PORT_RANGES = 1u << 7,
    SSHUTTLE_FEAT_TRANSPARENT_LISTENER = 1u << 8, /* listeners need prepare_listener (tproxy) */
    SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER = 1u << 9 /* original dst is asked of the root manager (pf) */
};

enum sshuttle_family { SSHUTTLE_AF_INET = 4, SSHUTTLE_AF_INET6 = 6 };

/** One tunnelled (or excluded) subnet, already sorted by the host in upstream's rule order. */
typedef struct sshuttle_subnet {
    uint32_t struct_size;
    int family;          /* sshuttle_family */
    uint8_t addr[16];    /* network byte order; IPv4 uses the first 4 bytes */
    int prefix;          /* 0..32 or 0..128 */
    uint16_t port_first; /* 0 = all ports */
    uint16_t port_last;
    int exclude;         /* non-zero: never tunnel */
} sshuttle_subnet;

typedef struct sshuttle_nameserver {
    uint32_t struct_size;
    int family;
    uint8_t addr[16];
} sshuttle_nameserver;

/** Everything a firewall method needs for one address family, mirroring upstream's setup_firewall. */
typedef struct sshuttle_fw_request {
    uint32_t struct_size;
    int family;                 /* rules for this family only */
    uint16_t port;              /* the TCP (and UDP) redirect port */
    uint16_t dns_port;          /* 0 = no DNS capture */
    const sshuttle_subnet *subnets;
    size_t subnet_count;
    const sshuttle_nameserver *nameservers;
    size_t nameserver_count;
    int udp;                    /* capture UDP too (tproxy) */
    int64_t uid;                /* -1 = none (--user) */
    int64_t gid;                /* -1 = none (--group) */
    const char *tmark;          /* e.g. "0x01" (tproxy) */
    const char *os_flavor;      /* pf: "darwin", "freebsd", "openbsd", "pfsense"; NULL = this host */
    uint32_t bypass_mark;       /* non-zero: packets with this fwmark are never redirected (local mode's own
                                   server connections carry it, so they do not loop into the tunnel) */
} sshuttle_fw_request;

typedef struct sshuttle_firewall_v1 {
    uint32_t struct_size;
    const char *name;       /* method name as on the command line, e.g. "nat" */
    const char *description;
    uint64_t features;      /* SSHUTTLE_FEAT_* */
    int priority;           /* --method auto: lower is tried first (nat 10, nft 20, pf 30, ipfw 40) */

    int (*create)(const sshuttle_host_v1 *host, const sshuttle_kv *options, size_t option_count,
                  void **self, sshuttle_error *err);
    void (*destroy)(void *self);
    /** 1 when usable on this machine; reason gets a short explanation either way. Never modifies anything. */
    int (*is_supported)(void *self, char *reason, size_t reason_len);
    /** Install the rules for req->family. Removes stale rules of the same port first. */
    int (*setup)(void *self, const sshuttle_fw_request *req, sshuttle_error *err);
    /** Remove everything setup installed for req->family and req->port. Idempotent, best effort. */
    int (*restore)(void *self, const sshuttle_fw_request *req, sshuttle_error *err);
    /** Render the exact rules or commands setup would apply, as text. The callee writes at most
     *  out_len bytes (NUL-terminated) and sets *needed to the full length; call again if larger. */
    int (*render)(void *self, const sshuttle_fw_request *req, char *out, size_t out_len, size_t *needed,
                  sshuttle_error *err);
    /** Optional (NULL): adjust a listening socket before bind (tproxy sets IP_TRANSPARENT). */
    int (*prepare_listener)(void *self, int fd, int family, int is_udp, sshuttle_error *err);
    /** Optional (NULL): the original destination of an accepted redirected TCP connection. */
    int (*original_dst)(void *self, int fd, void *sockaddr_out, uint32_t *sockaddr_len, sshuttle_error *err);

    /* ---- appended in ABI 1.1: UDP for transparent-proxy methods (tproxy). Both optional (NULL); the host
     *      calls neither on a table whose struct_size does not reach them, and uses UDP only when both exist. */

    /** Reads one datagram from fd, a UDP socket the host bound after prepare_listener(fd, family, is_udp=1), and
     *  reports where it was really going. fd is non-blocking and stays the host's. buf (buf_len bytes) is the
     *  host's; *datagram_len gets the datagram's full size, which is larger than buf_len when it was cut (the
     *  host then drops it). src_out and dst_out are caller-owned struct sockaddr_storage buffers whose sizes
     *  come in src_len and dst_len; on return those hold the sizes written. dst is the original destination (e.g. from
     *  IP_RECVORIGDSTADDR), src the sender. Returns SSHUTTLE_OK, SSHUTTLE_AGAIN when no datagram is waiting, or
     *  a negative status (err filled) for a failure of this one read (e.g. an ICMP error): the socket stays
     *  usable. */
    int (*recv_udp)(void *self, int fd, void *buf, size_t buf_len, size_t *datagram_len, void *src_out,
                    uint32_t *src_len, void *dst_out, uint32_t *dst_len, sshuttle_error *err);
    /** Opens a UDP socket whose datagrams leave from `from` (a struct sockaddr of from_len bytes), an address
     *  that need not be local: the original destination a reply must appear to come from. When `to` is not
     *  NULL the socket is also connected to it (to_len bytes), so it receives only that peer's datagrams to
     *  `from`; the method's rules then deliver that flow's later datagrams to this socket instead of the
     *  listener. The address structs are borrowed for the call. On SSHUTTLE_OK *fd_out is a non-blocking,
     *  close-on-exec socket that now belongs to the host, which closes it; the plugin keeps no reference. */
    int (*open_udp_reply)(void *self, const void *from, uint32_t from_len, const void *to, uint32_t to_len,
                          int *fd_out, sshuttle_error *err);

    /* ---- appended in ABI 1.2: rules that follow a changed route set (-N after a reconnect). Optional (NULL);
     *      the host never calls it on a table whose struct_size does not reach it. */

    /** Replaces the rules that setup installed for req->family and req->port with the ones req describes, as
     *  ONE transaction of the firewall: at no moment are neither the old nor the new rules in force. Only the
     *  subnets differ from the request setup had; everything else (ports, nameservers, uid/gid, marks) is the
     *  same. On failure the old rules must still be in force (err says why). Without this member the host
     *  falls back to restore then setup, which leaves a short gap without rules, and says so. */
    int (*update)(void *self, const sshuttle_fw_request *req, sshuttle_error *err);

    /* ---- also appended in ABI 1.2: the original destination kept in the kernel's NAT state table, for methods
     *      whose states only root may read (pf's DIOCNATLOOK on /dev/pf). Optional (NULL); the root firewall
     *      manager calls it for a client's QUERY_PF_NAT line when the method declares
     *      SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER, never on a table whose struct_size does not reach it. */

    /** family: SSHUTTLE_AF_INET or SSHUTTLE_AF_INET6; proto: IPPROTO_TCP (6). Addresses are 16 bytes in
     *  network order (IPv4 in the first 4); ports in host order. src is the connecting peer (getpeername of
     *  the accepted socket), dst the listener as reached (getsockname). On SSHUTTLE_OK out_addr (16 bytes)
     *  and out_port hold the original destination; otherwise a negative SSHUTTLE_E* with err saying why (for
     *  no such state: the kernel's reason). */
    int (*nat_lookup)(void *self, int family, int proto, const uint8_t *src_addr, uint16_t src_port,
                      const uint8_t *dst_addr, uint16_t dst_port, uint8_t *out_addr, uint16_t *out_port,
                      sshuttle_error *err);

    /* ---- appended in ABI 1.3: what the rules need from the machine besides themselves. Optional (NULL); the
     *      host never calls it on a table whose struct_size does not reach it. */

    /** Checks, changing nothing, that setup could work for every request of reqs (count of them: each family
     *  the session is about to set up, in the order setup will be called), e.g. that tproxy's marked packets are
     *  routed to this machine. The root firewall manager calls it once, after GO and before the first setup;
     *  on failure nothing is installed and err says in one line everything that is missing (for every family at
     *  once), which the client shows as the manager's error. Not called for CLEANUP nor for update. */
    int (*preflight)(void *self, const sshuttle_fw_request *reqs, size_t count, sshuttle_error *err);
} sshuttle_firewall_v1;

/* ---- transport plugins ----------------------------------------------------------------------- */
enum sshuttle_want { SSHUTTLE_WANT_READ = 1, SSHUTTLE_WANT_WRITE = 2 };

typedef struct sshuttle_transport_request {
    uint32_t struct_size;
    const char *host;          /* from -r, without user and port */
    const char *user;          /* NULL = default */
    int port;                  /* 0 = default */
    const char *const *remote_argv; /* command to run on the remote side; NULL-terminated */
    const char *remote_command;     /* the same as one shell-quoted string */
} sshuttle_transport_request;

struct sshuttle_forward_callbacks;

typedef struct sshuttle_transport_v1 {
    uint32_t struct_size;
    const char *name;
    const char *description;
    uint64_t features;

    int (*create)(const sshuttle_host_v1 *host, const sshuttle_kv *options, size_t option_count,
                  void **self, sshuttle_error *err);
    void (*destroy)(void *self);
    int (*is_supported)(void *self, char *reason, size_t reason_len);
    /** Start connecting; then the host calls step until it returns SSHUTTLE_OK. Non-blocking.
     *  SSHUTTLE_EUNSUPPORTED (from open or step) with a message means "this transport cannot make this
     *  connection": the host may fall back to another transport and logs the message as one line. */
    int (*open)(void *self, const sshuttle_transport_request *req, sshuttle_error *err);
    /** While connecting: SSHUTTLE_AGAIN (poll and call again) or SSHUTTLE_OK (connected); a blocking prompt on
     *  /dev/tty is allowed here. Once connected the host keeps calling step about once a second (keepalive,
     *  dead-peer detection): a negative status then means the transport is dead, err->message says why. */
    int (*step)(void *self, sshuttle_error *err);
    /** The fd the host polls, and which directions the plugin waits for (SSHUTTLE_WANT_*). */
    int (*poll_fd)(void *self);
    unsigned (*wants)(void *self);
    /** >0 bytes moved, 0 would block (the host then waits on poll_fd for wants), SSHUTTLE_ECLOSED at end of
     *  stream, other negative on error. With SSHUTTLE_ECLOSED a plugin may say how the remote command ended in
     *  err->message, as "exit status <N>[: <last line of its stderr>]". */
    long (*read)(void *self, void *buf, size_t len, sshuttle_error *err);
    long (*write)(void *self, const void *buf, size_t len, sshuttle_error *err);
    /** Half-close the sending direction (remote stdin EOF). */
    int (*shutdown_write)(void *self, sshuttle_error *err);

    /* ---- appended in ABI 1.2: more channels on one connection (several servers behind one authentication,
     *      so that one SSH channel's window does not cap the tunnel). Optional (NULL); the host does not call it
     *      on a table whose struct_size does not reach it, and then uses one channel. */

    /** Opens one more channel on the connection of `self` (an instance whose step has returned SSHUTTLE_OK),
     *  running req's remote command, without a new authentication. On SSHUTTLE_OK *channel_self is a new instance
     *  of this table with a byte stream of its own: the host drives it as an opened instance (step until
     *  SSHUTTLE_OK, then about once a second; poll_fd, wants, read, write, shutdown_write) and ends it with
     *  destroy, always before it destroys `self`. The host may call open_channel, and use the channels, on other
     *  threads than the one using `self`, one thread per instance: the plugin serialises what they share. Ending
     *  a channel (its remote command, or destroy) leaves the others and `self` running; when the connection
     *  dies, every channel reports it. SSHUTTLE_EUNSUPPORTED: this connection cannot open one (the server
     *  refused it, e.g. sshd's MaxSessions). */
    int (*open_channel)(void *self, const sshuttle_transport_request *req, void **channel_self, sshuttle_error *err);

    /* ---- appended in ABI 1.4: one TCP connection on a channel of its own (SSH: direct-tcpip, as `ssh -L`
     *      opens), so that each connection has its own window and the remote server is not on its path. Optional
     *      (NULL); the host does not call it on a table whose struct_size does not reach it. */

    /** Carries the accepted TCP connection `fd` to host:port on the connection of `self` (an opened instance).
     *  The plugin works on a duplicate of fd: the host keeps its own fd open and does not read, write or close it
     *  until `callbacks` said the forward was refused or has ended. origin_host/origin_port name the connecting
     *  peer as text (the SSH originator). Non-blocking: SSHUTTLE_OK means the forward is under way and exactly
     *  one `opened` follows (then, after an SSHUTTLE_OK there, exactly one `ended`); any negative status that the
     *  plugin declines it now (err says why) and calls nothing for it. The callbacks struct is copied. */
    int (*forward_tcp)(void *self, int fd, const char *host, uint16_t port, const char *origin_host,
                       uint16_t origin_port, uint64_t id, const struct sshuttle_forward_callbacks *callbacks,
                       sshuttle_error *err);
} sshuttle_transport_v1;

/** How a forward (forward_tcp, ABI 1.4) reports back. Called on a thread of the plugin's, never after destroy of
 *  the instance has returned; they must not block nor call into the plugin. */
typedef struct sshuttle_forward_callbacks {
    uint32_t struct_size;
    void *context;
    /** status SSHUTTLE_OK: the channel is open and the plugin moves the bytes. Else the server (or the
     *  destination) refused it; message says why, and the plugin has let go of the connection untouched (no
     *  byte read from it), so the host may carry it another way. */
    void (*opened)(void *context, uint64_t id, int status, const char *message);
    /** The connection is over and the plugin has closed its duplicate. message NULL: both directions ended
     *  normally (the plugin shut the socket's sending side after the remote's last byte); else why it broke (the
     *  host should reset the connection, so that a cut transfer does not look complete). */
    void (*ended)(void *context, uint64_t id, const char *message);
} sshuttle_forward_callbacks;

/* ---- module exports -------------------------------------------------------------------------- */
/** Always exported; checked before anything else. */
typedef uint32_t (*sshuttle_plugin_abi_version_fn)(void);
/** A module exports one or both of these. */
typedef const sshuttle_firewall_v1 *(*sshuttle_get_firewall_v1_fn)(void);
typedef const sshuttle_transport_v1 *(*sshuttle_get_transport_v1_fn)(void);

#define SSHUTTLE_SYMBOL_ABI_VERSION "sshuttle_plugin_abi_version"
#define SSHUTTLE_SYMBOL_FIREWALL_V1 "sshuttle_get_firewall_v1"
#define SSHUTTLE_SYMBOL_TRANSPORT_V1 "sshuttle_get_transport_v1"

#ifdef __cplusplus
}
#endif

#endif /* SSHUTTLE_PLUGIN_ABI_H */
