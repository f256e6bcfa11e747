// SPDX-License-Identifier: LGPL-2.1-or-later
// ScriptRunner on libnftables: the whole script is one netlink transaction, so a half-applied table can not
// happen, and no nft binary is needed.
#include <nftables/libnftables.h>

#include <memory>

#include "nft_method.hpp"

namespace sshuttle::plugins::nft {
namespace {

class LibnftablesRunner : public ScriptRunner {
   public:
    bool run(const std::string& script, std::string& error) override {
        std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), &nft_ctx_free);
        if (!ctx) {
            error = "nft_ctx_new failed";
            return false;
        }
        // Buffered so that listings and messages are not printed on our stdout/stderr.
        nft_ctx_buffer_output(ctx.get());
        nft_ctx_buffer_error(ctx.get());
        if (nft_run_cmd_from_buffer(ctx.get(), script.c_str()) == 0) return true;
        const char* message = nft_ctx_get_error_buffer(ctx.get());
        error = message != nullptr ? message : "unknown libnftables error";
        while (!error.empty() && error.back() == '\n') error.pop_back();
        return false;
    }
};

}  // namespace

std::unique_ptr<ScriptRunner> make_libnftables_runner() { return std::make_unique<LibnftablesRunner>(); }

}  // namespace sshuttle::plugins::nft
