// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nft_method.hpp"

#include "common/original_dst_linux.hpp"
#include "nft_rules.hpp"

namespace sshuttle::plugins::nft {
namespace {

class CommandRunner : public ScriptRunner {
   public:
    explicit CommandRunner(const sdk::Host& host) : host_(host) {}
    bool run(const std::string& script, std::string& error) override {
        const sdk::CommandResult r = host_.run({"nft", "-f", "-"}, &script);
        if (r.exit_status == 0) return true;
        error = "'nft -f -' exited with status " + std::to_string(r.exit_status);
        return false;
    }

   private:
    sdk::Host host_;
};

void check_request(const sdk::FwRequest& req) {
    if (req.family != SSHUTTLE_AF_INET && req.family != SSHUTTLE_AF_INET6)
        throw sdk::Error(SSHUTTLE_EINVAL, "nft: invalid address family " + std::to_string(req.family));
    if (req.udp) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "nft: UDP is not supported (use --method tproxy)");
    if (req.uid >= 0 || req.gid >= 0)
        throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "nft: --user/--group are not supported (use --method nat)");
}

}  // namespace

std::unique_ptr<ScriptRunner> make_command_runner(const sdk::Host& host) {
    return std::make_unique<CommandRunner>(host);
}

NftMethod::NftMethod(const sdk::Host& host, const sdk::Options& options) : host_(host) {
    auto backend = options.find("backend");
    const std::string name = backend == options.end() ? "libnftables" : backend->second;
    if (name != "libnftables" && name != "command")
        throw sdk::Error(SSHUTTLE_EINVAL, "nft: invalid backend '" + name + "': expected libnftables or command");
    runner_ = (name == "command" || host.dry_run()) ? make_command_runner(host) : make_libnftables_runner();
}

bool NftMethod::is_supported(std::string& reason) {
    std::string error;
    if (!runner_->run("list tables\n", error)) {
        reason = "nft cannot list tables: " + error;
        return false;
    }
    reason = "nftables is usable";
    return true;
}

void NftMethod::setup(const sdk::FwRequest& req) {
    check_request(req);
    restore(req);  // a crashed earlier instance on the same port may have left its table behind
    std::string error;
    if (!runner_->run(setup_script(req), error))
        throw sdk::Error(SSHUTTLE_ECOMMAND,
                         "nft: cannot install table '" + table_name(req.family, req.port) + "': " + error);
}

void NftMethod::update(const sdk::FwRequest& req) {
    check_request(req);
    std::string error;
    if (!runner_->run(update_script(req), error))
        throw sdk::Error(SSHUTTLE_ECOMMAND,
                         "nft: cannot update table '" + table_name(req.family, req.port) + "': " + error);
}

void NftMethod::restore(const sdk::FwRequest& req) {
    std::string error;
    if (runner_->run(teardown_script(req.family, req.port), error)) return;
    // Failing because the table is already gone is success; failing while it is still there is not.
    const std::string table = table_name(req.family, req.port);
    std::string ignored;
    if (runner_->run("list table inet " + table + "\n", ignored))
        throw sdk::Error(SSHUTTLE_ECOMMAND, "nft: cannot delete table '" + table + "': " + error);
}

std::string NftMethod::render(const sdk::FwRequest& req) {
    check_request(req);
    return nft::render(req);
}

bool NftMethod::original_dst(int fd, sockaddr_storage& out, socklen_t& len) {
#if defined(__linux__)
    return original_dst_linux(fd, out, len);
#else
    (void)fd, (void)out, (void)len;
    return false;
#endif
}

}  // namespace sshuttle::plugins::nft
