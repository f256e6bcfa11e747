// SPDX-License-Identifier: LGPL-2.1-or-later
// Placeholder: being written.
#include "client/engine.hpp"
