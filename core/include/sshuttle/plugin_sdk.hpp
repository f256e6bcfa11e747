// SPDX-License-Identifier: LGPL-2.1-or-later
// Header-only C++ helper for writing sshuttle plugins against the C ABI in plugin_abi.h.
//
// A firewall plugin is a class with this shape (optional members are detected at compile time):
//
//   class MyMethod {
//    public:
//     MyMethod(const sshuttle::sdk::Host& host, const sshuttle::sdk::Options& options);
//     bool is_supported(std::string& reason);
//     void setup(const sshuttle::sdk::FwRequest& req);      // throw sdk::Error on failure
//     void restore(const sshuttle::sdk::FwRequest& req);
//     std::string render(const sshuttle::sdk::FwRequest& req);
//     void prepare_listener(int fd, int family, bool is_udp);              // optional
//     bool original_dst(int fd, sockaddr_storage& out, socklen_t& len);     // optional
//     // optional pair (ABI 1.1), for UDP through transparent listeners:
//     bool recv_udp(int fd, void* buf, size_t len, size_t& got, sockaddr_storage& src, socklen_t& src_len,
//                   sockaddr_storage& dst, socklen_t& dst_len);               // false: nothing waiting
//     int open_udp_reply(const sockaddr* from, socklen_t from_len, const sockaddr* to, socklen_t to_len);
//     // optional (ABI 1.2): replace the rules of req.family/req.port with req's in one transaction
//     void update(const sshuttle::sdk::FwRequest& req);
//     // optional (ABI 1.2): the original destination from the kernel's NAT states (root manager, pf)
//     sshuttle::sdk::NatAnswer nat_lookup(const sshuttle::sdk::NatQuery& query);
//     // optional (ABI 1.3): check, changing nothing, what setup needs besides its rules (all families at once)
//     void preflight(const std::vector<sshuttle::sdk::FwRequest>& requests);
//   };
//   SSHUTTLE_DECLARE_FIREWALL(MyMethod, "mymethod", "what it does", features, priority)
//
// Every entry point is wrapped in try/catch: no exception crosses the module boundary.
#pragma once

#include <sys/socket.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sshuttle/plugin_abi.h"

namespace sshuttle::sdk {

/// A failure that the trampolines turn into a status code and an error message.
class Error : public std::runtime_error {
   public:
    Error(int status, const std::string& message, int sys_errno = 0)
        : std::runtime_error(message), status_(status), sys_errno_(sys_errno) {}
    int status() const { return status_; }
    int sys_errno() const { return sys_errno_; }

   private:
    int status_;
    int sys_errno_;
};

/// Options given to create(), copied so the plugin may keep them.
using Options = std::map<std::string, std::string>;

/// Result of running an external command through the host.
struct CommandResult {
    int exit_status = 0;
    std::string output;
};

/// C++ view of the services the host lends.
class Host {
   public:
    explicit Host(const sshuttle_host_v1* host) : host_(host) {}

    void log(int level, const std::string& message) const {
        if (host_ != nullptr && host_->log != nullptr) host_->log(host_->ctx, level, message.c_str());
    }
    void debug(const std::string& m) const { log(SSHUTTLE_LOG_DEBUG, m); }
    void info(const std::string& m) const { log(SSHUTTLE_LOG_INFO, m); }
    void warn(const std::string& m) const { log(SSHUTTLE_LOG_WARN, m); }

    bool dry_run() const { return host_ != nullptr && host_->dry_run != 0; }

    /// Runs argv with optional stdin; returns the exit status and captured stdout.
    /// Throws Error when the command could not be started at all.
    CommandResult run(const std::vector<std::string>& argv, const std::string* stdin_text = nullptr) const {
        if (host_ == nullptr || host_->run == nullptr) throw Error(SSHUTTLE_EINTERNAL, "host offers no command runner");
        std::vector<const char*> cargv;
        for (const auto& a : argv) cargv.push_back(a.c_str());
        cargv.push_back(nullptr);
        CommandResult result;
        sshuttle_error err{};
        int rc = host_->run(
            host_->ctx, cargv.data(), stdin_text ? stdin_text->c_str() : nullptr,
            [](void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); },
            &result.output, &err);
        if (rc < 0) throw Error(rc, err.message, err.sys_errno);
        result.exit_status = rc;
        return result;
    }

    /// Runs argv and throws Error naming the command when it exits non-zero.
    std::string run_checked(const std::vector<std::string>& argv, const std::string* stdin_text = nullptr) const {
        CommandResult r = run(argv, stdin_text);
        if (r.exit_status != 0) {
            std::string cmd;
            for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
            throw Error(SSHUTTLE_ECOMMAND, "'" + cmd + "' exited with status " + std::to_string(r.exit_status));
        }
        return r.output;
    }

   private:
    const sshuttle_host_v1* host_;
};

/// One subnet with its address already formatted.
struct Subnet {
    int family = 0;  // SSHUTTLE_AF_INET or SSHUTTLE_AF_INET6
    std::string address;
    int prefix = 0;
    int port_first = 0;
    int port_last = 0;
    bool exclude = false;
};

/// C++ view of sshuttle_fw_request.
struct FwRequest {
    int family = 0;
    int port = 0;
    int dns_port = 0;
    std::vector<Subnet> subnets;
    std::vector<std::string> nameservers;
    bool udp = false;
    long long uid = -1;
    long long gid = -1;
    std::string tmark = "0x01";
    std::string os_flavor;
    uint32_t bypass_mark = 0;
};

/// C++ view of nat_lookup's arguments: addresses 16 bytes in network order (IPv4 in the first 4), ports in
/// host order; src is the connecting peer, dst the listener as reached.
struct NatQuery {
    int family = SSHUTTLE_AF_INET;
    int proto = 6;
    uint8_t src[16] = {};
    uint16_t src_port = 0;
    uint8_t dst[16] = {};
    uint16_t dst_port = 0;
};

/// The original destination nat_lookup reports.
struct NatAnswer {
    uint8_t address[16] = {};
    uint16_t port = 0;
};

inline std::string format_address(int family, const uint8_t* addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == SSHUTTLE_AF_INET6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf);
    return buf;
}

inline FwRequest to_request(const sshuttle_fw_request* r) {
    FwRequest out;
    out.family = r->family;
    out.port = r->port;
    out.dns_port = r->dns_port;
    for (size_t i = 0; i < r->subnet_count; ++i) {
        const sshuttle_subnet& s = r->subnets[i];
        out.subnets.push_back(
            {s.family, format_address(s.family, s.addr), s.prefix, s.port_first, s.port_last, s.exclude != 0});
    }
    for (size_t i = 0; i < r->nameserver_count; ++i)
        out.nameservers.push_back(format_address(r->nameservers[i].family, r->nameservers[i].addr));
    out.udp = r->udp != 0;
    out.uid = r->uid;
    out.gid = r->gid;
    if (r->tmark != nullptr) out.tmark = r->tmark;
    if (r->os_flavor != nullptr) out.os_flavor = r->os_flavor;
    out.bypass_mark = r->bypass_mark;
    return out;
}

inline void fill_error(sshuttle_error* err, const char* message, int sys_errno = 0) {
    if (err == nullptr) return;
    err->sys_errno = sys_errno;
    std::snprintf(err->message, sizeof err->message, "%s", message);
}

/// Runs body and converts any exception into a status code and message.
template <typename Body>
int guarded(sshuttle_error* err, Body&& body) noexcept {
    try {
        body();
        return SSHUTTLE_OK;
    } catch (const Error& e) {
        fill_error(err, e.what(), e.sys_errno());
        return e.status();
    } catch (const std::exception& e) {
        fill_error(err, e.what());
        return SSHUTTLE_EINTERNAL;
    } catch (...) {
        fill_error(err, "unknown exception in plugin");
        return SSHUTTLE_EINTERNAL;
    }
}

/// Builds the sshuttle_firewall_v1 table for Method (see the top of this file).
template <typename Method>
struct FirewallTrampolines {
    struct Instance {
        Host host;
        Method method;
    };
    static Instance* self(void* p) { return static_cast<Instance*>(p); }

    static int create(const sshuttle_host_v1* host, const sshuttle_kv* opts, size_t n, void** out,
                      sshuttle_error* err) {
        return guarded(err, [&] {
            Options options;
            for (size_t i = 0; i < n; ++i) options[opts[i].key] = opts[i].value ? opts[i].value : "";
            *out = new Instance{Host(host), Method(Host(host), options)};
        });
    }
    static void destroy(void* p) { delete self(p); }
    static int is_supported(void* p, char* reason, size_t reason_len) {
        try {
            std::string why;
            bool ok = self(p)->method.is_supported(why);
            if (reason != nullptr && reason_len > 0) std::snprintf(reason, reason_len, "%s", why.c_str());
            return ok ? 1 : 0;
        } catch (const std::exception& e) {
            if (reason != nullptr && reason_len > 0) std::snprintf(reason, reason_len, "%s", e.what());
            return 0;
        } catch (...) {
            return 0;
        }
    }
    static int setup(void* p, const sshuttle_fw_request* r, sshuttle_error* err) {
        return guarded(err, [&] { self(p)->method.setup(to_request(r)); });
    }
    static int restore(void* p, const sshuttle_fw_request* r, sshuttle_error* err) {
        return guarded(err, [&] { self(p)->method.restore(to_request(r)); });
    }
    static int render(void* p, const sshuttle_fw_request* r, char* out, size_t out_len, size_t* needed,
                      sshuttle_error* err) {
        return guarded(err, [&] {
            std::string text = self(p)->method.render(to_request(r));
            if (needed != nullptr) *needed = text.size() + 1;
            if (out != nullptr && out_len > 0) std::snprintf(out, out_len, "%s", text.c_str());
        });
    }
    static int prepare_listener(void* p, int fd, int family, int is_udp, sshuttle_error* err) {
        return guarded(err, [&] {
            if constexpr (requires(Method m) { m.prepare_listener(fd, family, true); })
                self(p)->method.prepare_listener(fd, family, is_udp != 0);
        });
    }
    static int original_dst(void* p, int fd, void* sa, uint32_t* sa_len, sshuttle_error* err) {
        return guarded(err, [&] {
            if constexpr (requires(Method m, sockaddr_storage s, socklen_t l) { m.original_dst(fd, s, l); }) {
                sockaddr_storage ss{};
                socklen_t len = sizeof ss;
                if (!self(p)->method.original_dst(fd, ss, len))
                    throw Error(SSHUTTLE_ESYSTEM, "no original destination", errno);
                if (*sa_len < len) throw Error(SSHUTTLE_EINVAL, "sockaddr buffer too small");
                std::memcpy(sa, &ss, len);
                *sa_len = len;
            } else {
                throw Error(SSHUTTLE_EUNSUPPORTED, "original_dst not provided");
            }
        });
    }

    static constexpr bool kHasUdp = requires(Method m, void* buf, size_t n, sockaddr_storage s, socklen_t l,
                                             const sockaddr* a) {
        m.recv_udp(0, buf, n, n, s, l, s, l);
        m.open_udp_reply(a, l, a, l);
    };
    static int recv_udp(void* p, int fd, void* buf, size_t buf_len, size_t* datagram_len, void* src,
                        uint32_t* src_len, void* dst, uint32_t* dst_len, sshuttle_error* err) {
        int result = SSHUTTLE_OK;
        int status = guarded(err, [&] {
            if constexpr (kHasUdp) {
                sockaddr_storage from{}, to{};
                socklen_t from_len = sizeof from, to_len = sizeof to;
                size_t got = 0;
                if (!self(p)->method.recv_udp(fd, buf, buf_len, got, from, from_len, to, to_len)) {
                    result = SSHUTTLE_AGAIN;
                    return;
                }
                if (*src_len < from_len || *dst_len < to_len) throw Error(SSHUTTLE_EINVAL, "sockaddr buffer too small");
                std::memcpy(src, &from, from_len);
                std::memcpy(dst, &to, to_len);
                *src_len = from_len;
                *dst_len = to_len;
                *datagram_len = got;
            } else {
                throw Error(SSHUTTLE_EUNSUPPORTED, "recv_udp not provided");
            }
        });
        return status == SSHUTTLE_OK ? result : status;
    }
    static int open_udp_reply(void* p, const void* from, uint32_t from_len, const void* to, uint32_t to_len,
                              int* fd_out, sshuttle_error* err) {
        return guarded(err, [&] {
            if constexpr (kHasUdp) {
                *fd_out = self(p)->method.open_udp_reply(static_cast<const sockaddr*>(from), from_len,
                                                         static_cast<const sockaddr*>(to), to_len);
            } else {
                throw Error(SSHUTTLE_EUNSUPPORTED, "open_udp_reply not provided");
            }
        });
    }

    static constexpr bool kHasUpdate = requires(Method m, const FwRequest& r) { m.update(r); };
    static int update(void* p, const sshuttle_fw_request* r, sshuttle_error* err) {
        return guarded(err, [&] {
            if constexpr (kHasUpdate)
                self(p)->method.update(to_request(r));
            else
                throw Error(SSHUTTLE_EUNSUPPORTED, "update not provided");
        });
    }

    static constexpr bool kHasNatLookup = requires(Method m, const NatQuery& q) {
        { m.nat_lookup(q) } -> std::same_as<NatAnswer>;
    };
    static int nat_lookup(void* p, int family, int proto, const uint8_t* src_addr, uint16_t src_port,
                          const uint8_t* dst_addr, uint16_t dst_port, uint8_t* out_addr, uint16_t* out_port,
                          sshuttle_error* err) {
        return guarded(err, [&] {
            if constexpr (kHasNatLookup) {
                if (src_addr == nullptr || dst_addr == nullptr || out_addr == nullptr || out_port == nullptr)
                    throw Error(SSHUTTLE_EINVAL, "nat_lookup: NULL argument");
                NatQuery query;
                query.family = family;
                query.proto = proto;
                std::memcpy(query.src, src_addr, sizeof query.src);
                query.src_port = src_port;
                std::memcpy(query.dst, dst_addr, sizeof query.dst);
                query.dst_port = dst_port;
                const NatAnswer answer = self(p)->method.nat_lookup(query);
                std::memcpy(out_addr, answer.address, sizeof answer.address);
                *out_port = answer.port;
            } else {
                throw Error(SSHUTTLE_EUNSUPPORTED, "nat_lookup not provided");
            }
        });
    }

    static constexpr bool kHasPreflight = requires(Method m, const std::vector<FwRequest>& r) { m.preflight(r); };
    static int preflight(void* p, const sshuttle_fw_request* reqs, size_t count, sshuttle_error* err) {
        return guarded(err, [&] {
            if constexpr (kHasPreflight) {
                if (reqs == nullptr && count > 0) throw Error(SSHUTTLE_EINVAL, "preflight: NULL requests");
                std::vector<FwRequest> requests;
                for (size_t i = 0; i < count; ++i) requests.push_back(to_request(&reqs[i]));
                self(p)->method.preflight(requests);
            }
        });
    }

    static sshuttle_firewall_v1 table(const char* name, const char* description, uint64_t features, int priority) {
        sshuttle_firewall_v1 t{};
        t.struct_size = sizeof t;
        t.name = name;
        t.description = description;
        t.features = features;
        t.priority = priority;
        t.create = &create;
        t.destroy = &destroy;
        t.is_supported = &is_supported;
        t.setup = &setup;
        t.restore = &restore;
        t.render = &render;
        if constexpr (requires(Method m) { m.prepare_listener(0, 0, true); }) t.prepare_listener = &prepare_listener;
        if constexpr (requires(Method m, sockaddr_storage s, socklen_t l) { m.original_dst(0, s, l); })
            t.original_dst = &original_dst;
        if constexpr (kHasUdp) {
            t.recv_udp = &recv_udp;
            t.open_udp_reply = &open_udp_reply;
        }
        if constexpr (kHasUpdate) t.update = &update;
        if constexpr (kHasNatLookup) t.nat_lookup = &nat_lookup;
        if constexpr (kHasPreflight) t.preflight = &preflight;
        return t;
    }
};

}  // namespace sshuttle::sdk

/// Exports the ABI version and the firewall table of one Method class.
#define SSHUTTLE_DECLARE_FIREWALL(Method, name, description, features, priority)                       \
    extern "C" SSHUTTLE_EXPORT uint32_t sshuttle_plugin_abi_version(void) { return SSHUTTLE_ABI_VERSION; } \
    extern "C" SSHUTTLE_EXPORT const sshuttle_firewall_v1* sshuttle_get_firewall_v1(void) {            \
        static const sshuttle_firewall_v1 table =                                                      \
            ::sshuttle::sdk::FirewallTrampolines<Method>::table(name, description, features, priority); \
        return &table;                                                                                 \
    }

// ---- transport plugins -------------------------------------------------------------------------------
//
// A transport plugin is a class with this shape (see docs/plugin-sdk.md and examples/exec-transport):
//
//   class MyTransport {
//    public:
//     MyTransport(const sshuttle::sdk::Host& host, const sshuttle::sdk::Options& options);
//     bool is_supported(std::string& reason);                  // optional: usable when absent
//     void open(const sshuttle::sdk::TransportRequest& req);  // throw Error(SSHUTTLE_EUNSUPPORTED, why) to
//                                                              // let the host fall back to its own transport
//     bool step();            // true: connected (and, later, still alive); false: not yet; throw when dead
//     int poll_fd() const;    // the fd the host polls
//     unsigned wants() const; // SSHUTTLE_WANT_READ and/or SSHUTTLE_WANT_WRITE
//     long read(void* buf, size_t len);         // >0 bytes, 0 would block; throw Error(SSHUTTLE_ECLOSED,
//     long write(const void* buf, size_t len);  // "why") at the end of the stream
//     void shutdown_write();                     // the remote command's stdin sees EOF
//     // optional (ABI 1.2): one more channel on this connection, an instance of its own (see plugin_abi.h)
//     std::unique_ptr<MyTransport> open_channel(const sshuttle::sdk::TransportRequest& req);
//     // optional (ABI 1.4): one TCP connection on a channel of its own; fd is borrowed (dup it), report
//     // through `report` (see plugin_abi.h); throw Error to decline it
//     void forward_tcp(const sshuttle::sdk::TcpForwardRequest& req, const sshuttle::sdk::ForwardReport& report);
//   };
//   SSHUTTLE_DECLARE_TRANSPORT(MyTransport, "mytransport", "what it does", features)
//
// One module uses one SSHUTTLE_DECLARE_* macro (each defines sshuttle_plugin_abi_version).

namespace sshuttle::sdk {

/// C++ view of sshuttle_transport_request.
struct TransportRequest {
    std::string host;
    std::string user;  // empty = the transport's default
    int port = 0;      // 0 = the transport's default
    std::vector<std::string> remote_argv;  // what the remote side must run, e.g. {"/bin/sh", "-c", script}
    std::string remote_command;            // the same as one shell-quoted string
};

inline TransportRequest to_transport_request(const sshuttle_transport_request* r) {
    TransportRequest out;
    if (r->host != nullptr) out.host = r->host;
    if (r->user != nullptr) out.user = r->user;
    out.port = r->port;
    for (const char* const* a = r->remote_argv; a != nullptr && *a != nullptr; ++a) out.remote_argv.emplace_back(*a);
    if (r->remote_command != nullptr) out.remote_command = r->remote_command;
    return out;
}

/// C++ view of forward_tcp's arguments (ABI 1.4).
struct TcpForwardRequest {
    int fd = -1;  // the host's: borrowed for the call (duplicate it to keep it)
    std::string host;
    uint16_t port = 0;
    std::string origin_host;
    uint16_t origin_port = 0;
    uint64_t id = 0;
};

/// The host's forward callbacks, copied; callable from any thread of the plugin's until the instance is destroyed.
class ForwardReport {
   public:
    ForwardReport() = default;
    explicit ForwardReport(const sshuttle_forward_callbacks* c) {
        if (c != nullptr) std::memcpy(&callbacks_, c, std::min<size_t>(sizeof callbacks_, c->struct_size));
    }
    void opened(uint64_t id, int status, const std::string& message) const {
        if (callbacks_.opened != nullptr) callbacks_.opened(callbacks_.context, id, status, message.c_str());
    }
    /// message empty: a normal end.
    void ended(uint64_t id, const std::string& message) const {
        if (callbacks_.ended != nullptr)
            callbacks_.ended(callbacks_.context, id, message.empty() ? nullptr : message.c_str());
    }

   private:
    sshuttle_forward_callbacks callbacks_{};
};

/// Like guarded(), for read/write: the byte count, or the status of the exception that ended the call.
template <typename Body>
long guarded_count(sshuttle_error* err, Body&& body) noexcept {
    long count = 0;
    int status = guarded(err, [&] { count = body(); });
    return status == SSHUTTLE_OK ? count : status;
}

/// Builds the sshuttle_transport_v1 table for Transport (see the comment above).
template <typename Transport>
struct TransportTrampolines {
    struct Instance {
        Host host;
        std::unique_ptr<Transport> transport;
    };
    static Instance* self(void* p) { return static_cast<Instance*>(p); }

    static int create(const sshuttle_host_v1* host, const sshuttle_kv* opts, size_t n, void** out,
                      sshuttle_error* err) {
        return guarded(err, [&] {
            Options options;
            for (size_t i = 0; i < n; ++i) options[opts[i].key] = opts[i].value ? opts[i].value : "";
            *out = new Instance{Host(host), std::make_unique<Transport>(Host(host), options)};
        });
    }
    static void destroy(void* p) { delete self(p); }
    static int is_supported(void* p, char* reason, size_t reason_len) {
        std::string why = "usable";
        bool ok = true;
        try {
            if constexpr (requires(Transport t, std::string s) { t.is_supported(s); })
                ok = self(p)->transport->is_supported(why);
        } catch (const std::exception& e) {
            why = e.what();
            ok = false;
        } catch (...) {
            why = "unknown exception in plugin";
            ok = false;
        }
        if (reason != nullptr && reason_len > 0) std::snprintf(reason, reason_len, "%s", why.c_str());
        return ok ? 1 : 0;
    }
    static int open(void* p, const sshuttle_transport_request* r, sshuttle_error* err) {
        return guarded(err, [&] { self(p)->transport->open(to_transport_request(r)); });
    }
    static int step(void* p, sshuttle_error* err) {
        bool done = false;
        int status = guarded(err, [&] { done = self(p)->transport->step(); });
        return status == SSHUTTLE_OK && !done ? SSHUTTLE_AGAIN : status;
    }
    // poll_fd and wants have no error channel: a throwing one reads as "nothing to poll".
    static int poll_fd(void* p) {
        try {
            return self(p)->transport->poll_fd();
        } catch (...) {
            return -1;
        }
    }
    static unsigned wants(void* p) {
        try {
            return self(p)->transport->wants();
        } catch (...) {
            return 0;
        }
    }
    static long read(void* p, void* buf, size_t len, sshuttle_error* err) {
        return guarded_count(err, [&] { return self(p)->transport->read(buf, len); });
    }
    static long write(void* p, const void* buf, size_t len, sshuttle_error* err) {
        return guarded_count(err, [&] { return self(p)->transport->write(buf, len); });
    }
    static int shutdown_write(void* p, sshuttle_error* err) {
        return guarded(err, [&] { self(p)->transport->shutdown_write(); });
    }
    static constexpr bool kHasOpenChannel = requires(Transport t, const TransportRequest& r) {
        { t.open_channel(r) } -> std::same_as<std::unique_ptr<Transport>>;
    };
    static int open_channel(void* p, const sshuttle_transport_request* r, void** out, sshuttle_error* err) {
        if constexpr (kHasOpenChannel) {
            return guarded(err, [&] {
                auto channel = self(p)->transport->open_channel(to_transport_request(r));
                *out = new Instance{self(p)->host, std::move(channel)};
            });
        } else {
            return SSHUTTLE_EUNSUPPORTED;
        }
    }

    static constexpr bool kHasForwardTcp = requires(Transport t, const TcpForwardRequest& r, const ForwardReport& f) {
        t.forward_tcp(r, f);
    };
    static int forward_tcp(void* p, int fd, const char* host, uint16_t port, const char* origin_host,
                           uint16_t origin_port, uint64_t id, const sshuttle_forward_callbacks* callbacks,
                           sshuttle_error* err) {
        if constexpr (kHasForwardTcp) {
            return guarded(err, [&] {
                TcpForwardRequest req{fd, host != nullptr ? host : "", port,
                                      origin_host != nullptr ? origin_host : "", origin_port, id};
                self(p)->transport->forward_tcp(req, ForwardReport(callbacks));
            });
        } else {
            return SSHUTTLE_EUNSUPPORTED;
        }
    }

    static sshuttle_transport_v1 table(const char* name, const char* description, uint64_t features) {
        sshuttle_transport_v1 t{};
        t.struct_size = sizeof t;
        t.name = name;
        t.description = description;
        t.features = features;
        t.create = &create;
        t.destroy = &destroy;
        t.is_supported = &is_supported;
        t.open = &open;
        t.step = &step;
        t.poll_fd = &poll_fd;
        t.wants = &wants;
        t.read = &read;
        t.write = &write;
        t.shutdown_write = &shutdown_write;
        if constexpr (kHasOpenChannel) t.open_channel = &open_channel;
        if constexpr (kHasForwardTcp) t.forward_tcp = &forward_tcp;
        return t;
    }
};

}  // namespace sshuttle::sdk

/// Exports the ABI version and the transport table of one Transport class.
#define SSHUTTLE_DECLARE_TRANSPORT(Transport, name, description, features)                             \
    extern "C" SSHUTTLE_EXPORT uint32_t sshuttle_plugin_abi_version(void) { return SSHUTTLE_ABI_VERSION; } \
    extern "C" SSHUTTLE_EXPORT const sshuttle_transport_v1* sshuttle_get_transport_v1(void) {          \
        static const sshuttle_transport_v1 table =                                                     \
            ::sshuttle::sdk::TransportTrampolines<Transport>::table(name, description, features);      \
        return &table;                                                                                 \
    }
