// SPDX-License-Identifier: LGPL-2.1-or-later
// Placeholder: this area is being written.
namespace sshuttle {}
