// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/run.hpp"

int main(int argc, char** argv) { return sshuttle::app::run(argc, argv); }
