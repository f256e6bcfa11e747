// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pf_method.hpp"

#include "pf_ioctl.hpp"

namespace sshuttle::plugins::pf {
namespace {

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__)
constexpr bool kPlatformHasPf = true;
#else
constexpr bool kPlatformHasPf = false;
#endif

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void check_request(const sdk::FwRequest& req) {
    if (req.family != SSHUTTLE_AF_INET && req.family != SSHUTTLE_AF_INET6)
        throw sdk::Error(SSHUTTLE_EINVAL, "pf: invalid address family " + std::to_string(req.family));
    if (req.udp) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "pf: UDP is not supported");
    if (req.uid >= 0 || req.gid >= 0) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "pf: --user/--group are not supported");
}

}  // namespace

PfMethod::PfMethod(const sdk::Host& host, const sdk::Options&) : host_(host) {}

Flavor PfMethod::flavor_of(const sdk::FwRequest& req) const {
    return req.os_flavor.empty() ? host_flavor() : parse_flavor(req.os_flavor);
}

void PfMethod::require_platform() const {
    if (!kPlatformHasPf) throw sdk::Error(SSHUTTLE_EUNSUPPORTED, "pf is not available on Linux");
}

bool PfMethod::is_supported(std::string& reason) {
    if (!kPlatformHasPf) {
        reason = "pf is not available on Linux";
        return false;
    }
    if (host_.run({"pfctl", "-s", "info"}).exit_status != 0) {
        reason = "'pfctl -s info' failed: pf missing or not root";
        return false;
    }
    reason = "pfctl works";
    return true;
}

void PfMethod::setup(const sdk::FwRequest& req) {
    require_platform();
    check_request(req);
    const Flavor flavor = flavor_of(req);
    if (flavor == Flavor::kFreeBsd || flavor == Flavor::kPfSense)
        loaded_by_us_ = host_.run({"kldload", "pf"}).exit_status == 0 || loaded_by_us_;
    if (flavor == Flavor::kDarwin || flavor == Flavor::kOpenBsd) {
        // pf skips lo by default, but our rdr/divert rules live on lo0.
        if (contains(host_.run({"pfctl", "-s", "Interfaces", "-i", "lo", "-v"}).output, "skip")) {
            const std::string lo_rule = flavor == Flavor::kDarwin ? "pass on lo\n" : "match on lo\n";
            host_.run_checked({"pfctl", "-f", "/dev/stdin"}, &lo_rule);
        }
    }
    const std::string anchor = anchor_name(req.family, req.port);
    // pf only evaluates an anchor the main ruleset references; append the missing references in place
    // (DIOCCHANGERULE) instead of reloading the user's pf.conf.
    for (AnchorKind kind : missing_anchor_rules(flavor, anchor, host_.run_checked({"pfctl", "-s", "all"}))) {
        host_.debug(std::string("pf: adding '") + anchor_kind_name(kind) + " \"" + anchor +
                    "\"' to the main ruleset");
        add_anchor_rule(flavor, kind, anchor);
    }
    const std::string rules = anchor_rules(req, flavor);
    host_.run_checked({"pfctl", "-a", anchor, "-f", "/dev/stdin"}, &rules);
    enable(flavor);
    ++active_anchors_;
}

void PfMethod::update(const sdk::FwRequest& req) {
    require_platform();
    check_request(req);
    // Loading an anchor replaces its whole ruleset in one transaction; the anchor references and pf's enabled
    // state stay as setup left them.
    const std::string rules = anchor_rules(req, flavor_of(req));
    host_.run_checked({"pfctl", "-a", anchor_name(req.family, req.port), "-f", "/dev/stdin"}, &rules);
}

void PfMethod::enable(Flavor flavor) {
    if (flavor == Flavor::kDarwin) {
        // pfctl -E prints its reference token on stderr.
        const std::string out = host_.run_checked({"sh", "-c", "pfctl -E 2>&1"});
        const auto at = out.find("Token : ");
        if (at != std::string::npos) darwin_tokens_.push_back(out.substr(at + 8, out.find('\n', at) - at - 8));
        return;
    }
    if (contains(host_.run_checked({"pfctl", "-s", "info"}), "Status: Disabled")) {
        host_.run_checked({"pfctl", "-e"});
        enabled_by_us_ = true;
    }
}

void PfMethod::restore(const sdk::FwRequest& req) {
    require_platform();
    const Flavor flavor = flavor_of(req);
    host_.run({"pfctl", "-a", anchor_name(req.family, req.port), "-F", "all"});
    if (active_anchors_ > 0) --active_anchors_;
    disable(flavor);
}

void PfMethod::disable(Flavor flavor) {
    if (flavor == Flavor::kDarwin) {
        if (!darwin_tokens_.empty()) host_.run({"pfctl", "-X", darwin_tokens_.back()});
        if (!darwin_tokens_.empty()) darwin_tokens_.pop_back();
        return;
    }
    if (active_anchors_ > 0) return;  // the other family's anchor still needs pf
    if (enabled_by_us_) host_.run({"pfctl", "-d"});
    enabled_by_us_ = false;
    if (loaded_by_us_ && flavor != Flavor::kOpenBsd) host_.run({"kldunload", "pf"});
    loaded_by_us_ = false;
}

std::string PfMethod::render(const sdk::FwRequest& req) {
    check_request(req);
    return pf::render(req, flavor_of(req));
}

}  // namespace sshuttle::plugins::pf
