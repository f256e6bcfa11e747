# SPDX-License-Identifier: LGPL-2.1-or-later
# Instrumented builds, each in a build directory of its own (scripts/test.sh makes them):
#   -DSSHUTTLE_SANITIZE=address,undefined   (or thread): every target of ours gets the sanitizers; any finding
#                                            aborts (-fno-sanitize-recover), so a test that trips one fails.
#   -DSSHUTTLE_FUZZ=ON (clang only)          : libFuzzer targets in tests/fuzz, libraries instrumented for
#                                            coverage, ASan and UBSan.
set(SSHUTTLE_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined or thread")
option(SSHUTTLE_FUZZ "Build the libFuzzer targets of tests/fuzz (needs clang)" OFF)

if(SSHUTTLE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SSHUTTLE_FUZZ needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  set(SSHUTTLE_SANITIZE "address,undefined" CACHE STRING "" FORCE)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(SSHUTTLE_SANITIZE)
  add_compile_options(-fsanitize=${SSHUTTLE_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${SSHUTTLE_SANITIZE})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # gcc 12 with -fsanitize=address reports libstdc++'s own <regex> as "may be used uninitialized" (a known
    # false positive of the instrumented code); -Werror would stop the build on it.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  # A sanitized runtime cannot be linked statically: the helper is a plain executable in these builds.
  set(SSHUTTLE_STATIC_SERVER OFF CACHE BOOL "" FORCE)
endif()
