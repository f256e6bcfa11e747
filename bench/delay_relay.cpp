// SPDX-License-Identifier: LGPL-2.1-or-later
// A TCP relay that delays every byte by a fixed time, each way: the bench's long link (this kernel has no netem).
//
//   sshuttle-bench-delay-relay LISTEN_IPV4:PORT TARGET_IPV4:PORT DELAY_MS [QUEUE_MIB]
//
// Every accepted connection gets its own connection to the target. Whatever is read from one side is stamped
// with the time it arrived and written to the other side DELAY_MS later, so a request/response pair through the
// relay takes 2 x DELAY_MS longer. One thread, epoll, 256 KiB reads: it is meant never to be the bottleneck
// (the bench shows that with `ssh -L` and 8 streams through it, and records its CPU time). Up to QUEUE_MIB
// (default 64) wait per direction; beyond that the relay stops reading that side, which is TCP backpressure.
// The relay terminates TCP, so the endpoints' own TCP sees a short RTT: the delay acts on everything above TCP
// (SSH channel windows, sshuttle's flow control, request/response), not on TCP's congestion window.
#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kReadBytes = 256 * 1024;

struct Chunk {
    Clock::time_point due;
    std::vector<char> bytes;
    std::size_t written = 0;
};

// One direction of a relayed connection: bytes read from `from`, queued, written to `to` when due.
struct Pipe {
    int from = -1;
    int to = -1;
    std::deque<Chunk> queue;
    std::size_t queued_bytes = 0;
    bool eof = false;          // `from` has no more to send
    bool shut = false;         // EOF passed on to `to`
    bool waiting_out = false;  // `to` was full: wait for EPOLLOUT
    std::uint32_t interest = EPOLLIN;  // what epoll watches on `from`
};

struct Connection {
    int client = -1;
    int target = -1;
    Pipe up;    // client -> target
    Pipe down;  // target -> client
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "delay-relay: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

sockaddr_in parse_address(const std::string& text) {
    const auto colon = text.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    char* end = nullptr;
    const long port = colon == std::string::npos ? -1 : std::strtol(text.c_str() + colon + 1, &end, 10);
    if (port <= 0 || port > 65535 || *end != '\0' ||
        inet_pton(AF_INET, text.substr(0, colon).c_str(), &address.sin_addr) != 1) {
        std::fprintf(stderr, "delay-relay: '%s' is not IPV4:PORT\n", text.c_str());
        std::exit(2);
    }
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    return address;
}

long parse_number(const char* text, long low, long high, const char* what) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < low || value > high) {
        std::fprintf(stderr, "delay-relay: %s '%s' is not a number from %ld to %ld\n", what, text, low, high);
        std::exit(2);
    }
    return value;
}

// Interactive bytes must not wait for Nagle on top of the delay.
void set_nodelay(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

class Relay {
public:
    Relay(sockaddr_in target, Clock::duration delay, std::size_t queue_limit)
        : target_(target), delay_(delay), queue_limit_(queue_limit) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (epoll_ < 0 || timer_ < 0) die("epoll/timerfd");
        add(timer_, EPOLLIN);
    }

    void listen_on(sockaddr_in address) {
        listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            listen(listener_, 128) != 0) {
            die("listen");
        }
        add(listener_, EPOLLIN);
    }

    [[noreturn]] void run() {
        std::vector<epoll_event> events(64);
        for (;;) {
            const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
            if (n < 0 && errno != EINTR) die("epoll_wait");
            for (int i = 0; i < n; ++i) handle(events[i].data.fd, events[i].events);
            flush_due();
            arm_timer();
        }
    }

private:
    void add(int fd, std::uint32_t events) {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) die("epoll_ctl add");
    }

    void handle(int fd, std::uint32_t events) {
        if (fd == timer_) {
            std::uint64_t expirations = 0;
            [[maybe_unused]] const auto got = read(timer_, &expirations, sizeof expirations);
            return;
        }
        if (fd == listener_) {
            accept_all();
            return;
        }
        const auto found = by_fd_.find(fd);
        if (found == by_fd_.end()) return;  // closed earlier in this batch
        Connection& c = *found->second;
        Pipe& reading = fd == c.client ? c.up : c.down;
        Pipe& writing = fd == c.client ? c.down : c.up;
        if (events & EPOLLOUT) writing.waiting_out = false;
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
            if (!read_into(reading)) {
                close_connection(c);
                return;
            }
        }
        update_interest(c);
    }

    void accept_all() {
        for (;;) {
            const int client = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (client < 0) return;
            // A blocking connect to the local target is short, and keeps the state machine simple.
            const int target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (target < 0 || connect(target, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) != 0) {
                std::fprintf(stderr, "delay-relay: connect to the target: %s\n", std::strerror(errno));
                if (target >= 0) close(target);
                close(client);
                continue;
            }
            fcntl_nonblock(target);
            set_nodelay(client);
            set_nodelay(target);
            auto c = std::make_shared<Connection>();
            c->client = client;
            c->target = target;
            c->up.from = client;
            c->up.to = target;
            c->down.from = target;
            c->down.to = client;
            by_fd_[client] = c;
            by_fd_[target] = c;
            add(client, EPOLLIN);
            add(target, EPOLLIN);
        }
    }

    static void fcntl_nonblock(int fd) {
        const int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) die("fcntl O_NONBLOCK");
    }

    // Reads what is there (one or a few chunks); false when the connection is broken.
    bool read_into(Pipe& p) {
        while (!p.eof && p.queued_bytes < queue_limit_) {
            const ssize_t got = read(p.from, scratch_.data(), scratch_.size());
            if (got < 0) return errno == EAGAIN || errno == EINTR;
            if (got == 0) {
                p.eof = true;
                break;
            }
            // A chunk holds what was read, not a whole read buffer: small reads stay small in the queue.
            p.queued_bytes += static_cast<std::size_t>(got);
            p.queue.push_back(Chunk{Clock::now() + delay_, std::vector<char>(scratch_.data(), scratch_.data() + got), 0});
            if (static_cast<std::size_t>(got) < scratch_.size()) break;
        }
        return true;
    }

    // Writes every due chunk; false when the connection is broken.
    bool write_due(Pipe& p, Clock::time_point now) {
        while (!p.waiting_out && !p.queue.empty() && p.queue.front().due <= now) {
            Chunk& chunk = p.queue.front();
            const ssize_t put = send(p.to, chunk.bytes.data() + chunk.written, chunk.bytes.size() - chunk.written,
                                     MSG_NOSIGNAL);
            if (put < 0) {
                if (errno == EAGAIN) {
                    p.waiting_out = true;
                    return true;
                }
                return errno == EINTR;
            }
            chunk.written += static_cast<std::size_t>(put);
            p.queued_bytes -= static_cast<std::size_t>(put);
            if (chunk.written == chunk.bytes.size()) p.queue.pop_front();
        }
        if (p.eof && p.queue.empty() && !p.shut) {
            shutdown(p.to, SHUT_WR);
            p.shut = true;
        }
        return true;
    }

    void flush_due() {
        const auto now = Clock::now();
        std::vector<std::shared_ptr<Connection>> broken, finished;
        for (const auto& [fd, c] : by_fd_) {
            if (fd != c->client) continue;  // each connection once
            if (!write_due(c->up, now) || !write_due(c->down, now)) {
                broken.push_back(c);
            } else if (c->up.shut && c->down.shut) {
                finished.push_back(c);
            } else {
                update_interest(*c);
            }
        }
        for (auto& c : broken) close_connection(*c);
        for (auto& c : finished) close_connection(*c);
    }

    // Read a side while its queue has room; watch for writability while a write waits.
    // Only changes cost a system call.
    void update_interest(Connection& c) {
        for (const int fd : {c.client, c.target}) {
            Pipe& reading = fd == c.client ? c.up : c.down;
            const Pipe& writing = fd == c.client ? c.down : c.up;
            std::uint32_t wanted = 0;
            if (!reading.eof && reading.queued_bytes < queue_limit_) wanted |= EPOLLIN;
            if (writing.waiting_out) wanted |= EPOLLOUT;
            if (wanted == reading.interest) continue;
            epoll_event event{};
            event.data.fd = fd;
            event.events = wanted;
            epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event);
            reading.interest = wanted;
        }
    }

    void arm_timer() {
        Clock::time_point next = Clock::time_point::max();
        for (const auto& [fd, c] : by_fd_) {
            for (const Pipe* p : {&c->up, &c->down}) {
                if (p->from == fd && !p->waiting_out && !p->queue.empty() && p->queue.front().due < next) {
                    next = p->queue.front().due;
                }
            }
        }
        itimerspec spec{};
        if (next != Clock::time_point::max()) {
            // steady_clock is CLOCK_MONOTONIC on Linux, so its epoch is the timer's.
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next.time_since_epoch()).count();
            spec.it_value.tv_sec = ns / 1000000000;
            spec.it_value.tv_nsec = ns % 1000000000;
            if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
        }
        timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }

    void close_connection(Connection& c) {
        const auto keep = by_fd_[c.client];  // alive until the end of this function
        for (const int fd : {c.client, c.target}) {
            epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
            by_fd_.erase(fd);
            close(fd);
        }
    }

    sockaddr_in target_;
    Clock::duration delay_;
    std::size_t queue_limit_;
    int epoll_ = -1;
    int timer_ = -1;
    int listener_ = -1;
    std::map<int, std::shared_ptr<Connection>> by_fd_;
    std::vector<char> scratch_ = std::vector<char>(kReadBytes);
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr, "usage: %s LISTEN_IPV4:PORT TARGET_IPV4:PORT DELAY_MS [QUEUE_MIB]\n", argv[0]);
        return 2;
    }
    const auto listen_address = parse_address(argv[1]);
    const auto target = parse_address(argv[2]);
    const long delay_ms = parse_number(argv[3], 0, 10000, "DELAY_MS");
    const long queue_mib = argc == 5 ? parse_number(argv[4], 1, 4096, "QUEUE_MIB") : 64;
    std::signal(SIGPIPE, SIG_IGN);
    // Chunks are up to 256 KiB: keep them on the heap and the heap mapped, or every chunk costs a fresh mmap and
    // its page faults (on this VM a fault is dear: the relay moved 10x less without this).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    Relay relay(target, std::chrono::milliseconds(delay_ms), static_cast<std::size_t>(queue_mib) << 20);
    relay.listen_on(listen_address);
    relay.run();
}
