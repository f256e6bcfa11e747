// SPDX-License-Identifier: LGPL-2.1-or-later
// Whether the server forwards single TCP connections at all, learnt from how it answers them (issue 17). A
// refusal is either the destination's (it refused, or is unreachable) or the server's policy (AllowTcpForwarding
// no, a restricted key); only the latter repeats for every destination before any forward has ever opened. Once
// off, the handoffs decline every connection and the sshuttle server carries them.
#pragma once

namespace sshuttle::app {

class ForwardingVerdict {
   public:
    /// Refusals in a row, with no forward ever opened, after which the server is taken not to forward at all.
    static constexpr int kRefusalsBeforeOff = 3;

    bool off() const { return off_; }
    int refusals_in_a_row() const { return refusals_in_a_row_; }
    void opened() {
        ever_opened_ = true;
        refusals_in_a_row_ = 0;
    }
    /// One refusal; true when it has just turned forwarding off.
    bool refused() {
        if (off_ || ever_opened_ || ++refusals_in_a_row_ < kRefusalsBeforeOff) return false;
        off_ = true;
        return true;
    }
    /// Off for good, whatever the answers so far (the way to forward is gone).
    void turn_off() { off_ = true; }

   private:
    bool ever_opened_ = false;
    int refusals_in_a_row_ = 0;
    bool off_ = false;
};

}  // namespace sshuttle::app
