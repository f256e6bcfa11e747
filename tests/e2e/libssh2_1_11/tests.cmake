# SPDX-License-Identifier: LGPL-2.1-or-later
# The libssh2 tests again with libssh2 1.11 (included by ../CMakeLists.txt, which defines e2e_tests and
# e2e_libssh2_suite). Debian 12 ships libssh2 1.10, so 1.11.1 comes from Debian trixie's source package:
#   e2e.libssh2_1_11.build           libssh2 fetched and built once into a cache (libssh2.sh), then the transport
#                                    module and its unit tests built against it in <build>/libssh2-1.11 (build.sh);
#                                    the fixture of all the others
#   e2e.libssh2_1_11.unit_<name>     unit.transport_ssh and unit.transport_ssh_parts of that tree
#   e2e.libssh2_1_11.<name>          every e2e.ssh2_* and e2e.libssh2.* test, this build's client loading the 1.11
#                                    module (run.sh): each client must log libssh2 1.11.1, map that library and
#                                    negotiate AES-GCM or ChaCha20-Poly1305
# Like every e2e test they need root; the build also needs deb.debian.org. -DSSHUTTLE_LIBSSH2_1_11=OFF drops them.
option(SSHUTTLE_LIBSSH2_1_11 "Also run the libssh2 tests against libssh2 1.11 (fetched from Debian trixie)" ON)
if(NOT SSHUTTLE_LIBSSH2_1_11 OR NOT TARGET sshuttle-transport-ssh)
  return()
endif()

set(libssh2_1_11_dir ${CMAKE_BINARY_DIR}/libssh2-1.11)
set(libssh2_1_11_labels "e2e;libssh2_1_11")

add_test(NAME e2e.libssh2_1_11.build
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/build.sh ${PROJECT_SOURCE_DIR} ${libssh2_1_11_dir})
set_tests_properties(e2e.libssh2_1_11.build PROPERTIES
  LABELS "${libssh2_1_11_labels}"
  RUN_SERIAL TRUE
  TIMEOUT 2400
  FIXTURES_SETUP libssh2_1_11)

foreach(name transport_ssh transport_ssh_parts)
  # Through cmake -E env: the binary does not exist before the fixture has run, and CTest warns about a missing
  # first word of COMMAND whenever it lists the tests.
  add_test(NAME e2e.libssh2_1_11.unit_${name}
    COMMAND ${CMAKE_COMMAND} -E env SSHUTTLE_TEST_EXPECT_LIBSSH2=1.11.1 ${libssh2_1_11_dir}/bin/test_${name})
  set_tests_properties(e2e.libssh2_1_11.unit_${name} PROPERTIES
    LABELS "${libssh2_1_11_labels}"
    RUN_SERIAL TRUE
    TIMEOUT 300
    FIXTURES_REQUIRED libssh2_1_11)
endforeach()

# libssh2_1_11_e2e(NAME TIMEOUT TRANSPORT): test_NAME.sh through run.sh, SSHUTTLE_E2E_TRANSPORT=TRANSPORT.
function(libssh2_1_11_e2e name timeout transport)
  add_test(NAME e2e.libssh2_1_11.${name}
    COMMAND bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/run.sh ${libssh2_1_11_dir} ${CMAKE_CURRENT_SOURCE_DIR}/test_${name}.sh)
  set_tests_properties(e2e.libssh2_1_11.${name} PROPERTIES
    LABELS "${libssh2_1_11_labels}"
    RUN_SERIAL TRUE
    TIMEOUT ${timeout}
    FIXTURES_REQUIRED libssh2_1_11
    ENVIRONMENT "SSHUTTLE_E2E_EXPECT_LIBSSH2=1.11.1;SSHUTTLE_E2E_TRANSPORT=${transport};SSHUTTLE_BIN=$<TARGET_FILE:sshuttle>;SSHUTTLE_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# The ssh2_* tests always use the built-in transport; the suite runs over it with SSHUTTLE_E2E_TRANSPORT=builtin.
list(LENGTH e2e_tests count)
math(EXPR last "${count} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET e2e_tests ${i} name)
  list(GET e2e_tests ${j} timeout)
  if(name MATCHES "^ssh2_")
    libssh2_1_11_e2e(${name} ${timeout} command)
  endif()
endforeach()
foreach(name ${e2e_libssh2_suite})
  libssh2_1_11_e2e(${name} 600 builtin)
endforeach()
