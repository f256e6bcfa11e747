// SPDX-License-Identifier: LGPL-2.1-or-later
// Placeholder so the library is never empty.
namespace sshuttle::transport {}
