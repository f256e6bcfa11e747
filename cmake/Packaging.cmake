# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages, built by CPack from the install rules (`scripts/package.sh`, or `cpack -G DEB` in a build
# tree configured with -DCMAKE_INSTALL_PREFIX=/usr). Why CPack and not debian/ + dpkg-buildpackage: the install
# rules are already the one description of what is installed where (also for `cmake --install`), CPack turns
# them into packages without a second build, and the CI reuses its build tree instead of building again.
#
#   sshuttle-cpp         component "runtime": the program, its plugins, the server helper, man page,
#                        bash completion, systemd units, example configuration
#   sshuttle-cpp-dbgsym  its debug symbols (.ddeb), split off by CPack; the program and plugins are stripped
#   sshuttle-cpp-dev     component "sdk": the plugin SDK (headers and the CMake package)
#
# sshuttle-cpp replaces Debian's `sshuttle` (Conflicts/Replaces/Provides) rather than installing beside it
# under other names: it is a drop-in for the same command line, the layout is the same command name
# (/usr/bin/sshuttle, sshuttle(1)), and two different programs answering to `sshuttle` depending on $PATH
# order would be worse than either. Debian's conffiles in /etc/sshuttle (tunnel.conf, prefixes.conf) stay
# where they are when its package is removed; ours never installs anything under /etc.
include_guard(GLOBAL)

set(SSHUTTLE_DEB_DIR ${CMAKE_CURRENT_LIST_DIR}/deb)
set(SSHUTTLE_DEB_DOC_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/sshuttle-cpp)

# Debian policy wants a copyright file and a compressed changelog in /usr/share/doc/<package>, and every
# gzip made without a name or time stamp (-n) so that the package is reproducible.
set(_deb_changelog ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog)
# string(TIMESTAMP) takes SOURCE_DATE_EPOCH when it is set, so a reproducible build dates the entry by it.
string(TIMESTAMP _deb_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${SSHUTTLE_DEB_DIR}/changelog.in ${_deb_changelog} @ONLY)
find_program(SSHUTTLE_GZIP gzip REQUIRED)
# -k keeps the input: this rule depends on it, and configure_file() writes it only when it changes.
add_custom_command(OUTPUT ${_deb_changelog}.gz
  COMMAND ${SSHUTTLE_GZIP} -9nkf ${_deb_changelog}
  DEPENDS ${_deb_changelog} VERBATIM)
add_custom_target(sshuttle_deb_changelog ALL DEPENDS ${_deb_changelog}.gz)

foreach(component runtime sdk)
  set(doc_dir ${SSHUTTLE_DEB_DOC_DIR})
  if(component STREQUAL "sdk")
    set(doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/sshuttle-cpp-dev)
  endif()
  install(FILES ${SSHUTTLE_DEB_DIR}/copyright DESTINATION ${doc_dir} COMPONENT ${component})
  install(FILES ${_deb_changelog}.gz DESTINATION ${doc_dir} RENAME changelog.gz COMPONENT ${component})
endforeach()
install(FILES ${SSHUTTLE_DEB_DIR}/sshuttle-cpp.lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME sshuttle-cpp COMPONENT runtime)

# Everything the packages hold, so that scripts/package.sh builds just that before CPack runs. CPack's
# pre-install step (and `make install`) would otherwise build `all` first: every test and benchmark, which is
# most of the build and none of the packages.
get_property(_deb_plugins GLOBAL PROPERTY SSHUTTLE_PLUGINS)
add_custom_target(sshuttle_package_contents)
add_dependencies(sshuttle_package_contents sshuttle sshuttle-server ${_deb_plugins} sshuttle_man_page
                 sshuttle_deb_changelog)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sshuttle-cpp)
set(CPACK_PACKAGE_VENDOR "sshuttle-cpp")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Empty: each package's description below starts with its own synopsis line; CPack would put the project's
# one-line description in front of them otherwise.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGE_CONTACT "sshuttle-cpp maintainers <maintainers@sshuttle-cpp.example.org>")
# The package installs where the binary was built to look (CMAKE_INSTALL_PREFIX), normally /usr.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# gzip, not xz: the debug package holds ~100 MB of DWARF, and xz would cost minutes of CI time on 2 cores.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME sshuttle-cpp)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
# dpkg-shlibdeps computes Depends from the ELF files (libssh2, libyaml-cpp, libnftables, libsystemd, ...).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONFLICTS sshuttle)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_REPLACES sshuttle)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_PROVIDES sshuttle)
# The firewall tools of the methods, sudo or doas for a plain user, ssh for -e and ProxyCommand.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "iptables | nftables, sudo | doas, openssh-client")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "python3")
# Split the DWARF into sshuttle-cpp-dbgsym: CPack copies it out of every unstripped ELF file (by build id)
# and strips the file. Not CPACK_STRIP_FILES: a file stripped before that step has no debug info to split.
# The server helper is linked stripped (-s) already, so this step leaves its bytes, and so its content hash,
# exactly as built.
set(CPACK_DEBIAN_RUNTIME_DEBUGINFO_PACKAGE ON)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "transparent proxy over SSH (C++ reimplementation of sshuttle)
sshuttle makes remote networks reachable through nothing more than an ssh
login on a host inside them: it captures TCP connections (and DNS, and UDP
with the tproxy method) in the local firewall and re-creates them on the far
side. Nothing has to be installed on the server: a small static helper is
uploaded and cached there.
.
This implementation keeps sshuttle's options, subnet syntax and wire protocol
(it works with the Python sshuttle on the other end), and adds a YAML
configuration, systemd units, a built-in libssh2 transport and firewall
method plugins (nat, nft, tproxy). It replaces the sshuttle package.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME sshuttle-cpp-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION devel)
# Not Architecture: all: the CMake package names this architecture's plugin directory (lib/<multiarch>).
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "cmake (>= 3.20), g++ (>= 4:12), sshuttle-cpp (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_SDK_DESCRIPTION
  "plugin SDK for sshuttle-cpp (firewall methods and transports)
Headers and a CMake package for writing sshuttle-cpp plugins out of tree:
find_package(sshuttle) and sshuttle_add_plugin() build a loadable
sshuttle-<name>.so that speaks the versioned C plugin ABI, with a small
header-only C++ layer on top.")

include(CPack)
